import Dexie from 'dexie';
import { db, type MessageRow } from './db.ts';
import type { PeerId } from '../protocol/ids.ts';

/** A conversation's messages in display order. */
export const listMessages = (conversationId: PeerId): Promise<MessageRow[]> =>
  db.messages
    .where('[conversationId+sortKey]')
    .between([conversationId, Dexie.minKey], [conversationId, Dexie.maxKey])
    .toArray();

/** Incoming messages not yet marked read, oldest first. */
export const listUnreadIncoming = async (conversationId: PeerId): Promise<MessageRow[]> =>
  (await listMessages(conversationId)).filter((m) => m.direction === 'in' && m.state !== 'read');
