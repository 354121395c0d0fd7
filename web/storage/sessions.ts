import { db } from './db.ts';
import type { SessionRow } from '../crypto/session.ts';
import type { PeerId } from '../protocol/ids.ts';

// End-to-end sessions, one row per contact (web/crypto/session.ts). A row is only ever written in
// the transaction that used it: the one that sealed frames before they leave, or the one that
// committed the messages it opened.

export const getSession = (peer: PeerId): Promise<SessionRow | undefined> => db.sessions.get(peer);

export const putSession = (row: SessionRow): Promise<PeerId> => db.sessions.put(row);

export const hasSession = async (peer: PeerId): Promise<boolean> => (await db.sessions.get(peer)) !== undefined;
