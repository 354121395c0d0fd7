import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { Messenger, type MessengerContext } from '../../web/messaging/messenger.ts';
import type { SealOptions, SessionCipher } from '../../web/messaging/session-cipher.ts';
import type { Transport } from '../../web/net/transport.ts';
import { fromUtf8, toBase64Url, utf8 } from '../../web/protocol/encoding.ts';
import type { PeerId } from '../../web/protocol/ids.ts';
import type { PeerFrame } from '../../web/protocol/peer-frames.ts';
import { addContact, markSessionChanged, sendingHeld } from '../../web/storage/contacts.ts';
import { db } from '../../web/storage/db.ts';
import { listMessages } from '../../web/storage/messages.ts';

// The Messenger's side of typing indicators, read receipts and new-message news, with the
// transport and the session cipher played by recorders (their own tests cover them): what is
// sealed, which way it goes, and what the app is told. Storage is IndexedDB (fake-indexeddb).

const ALICE = toBase64Url(new Uint8Array(32).fill(1));
const msgId = (n: number) => toBase64Url(new Uint8Array(16).fill(n));
const message = (n: number): PeerFrame => ({ t: 'message', id: msgId(n), seq: n, ts: 1000 + n, text: `m${n}` });
/** The fake cipher's envelope: the frame's JSON, so the fake transport can tell what it carries. */
const envelope = (frame: PeerFrame) => utf8(JSON.stringify(frame));
const frameOf = (bytes: Uint8Array) => JSON.parse(fromUtf8(bytes)!) as PeerFrame;

let channelOpen: boolean;
let session: boolean;
let sealed: PeerFrame[];
let onChannel: PeerFrame[];
let viaServer: PeerFrame[];
let receiptsOn: boolean;
let viewing: boolean;
let ctx: MessengerContext;
let messenger: Messenger;

beforeEach(async () => {
  await Promise.all(db.tables.map((t) => t.clear()));
  await addContact({ id: ALICE, name: 'Alice', nameSource: 'invite', addedAt: 1 });
  [channelOpen, session, receiptsOn, viewing] = [true, true, true, false];
  [sealed, onChannel, viaServer] = [[], [], []];
  // Plays SessionCipher.seal's contract (tested against IndexedDB in session-cipher.test.ts):
  // null without a session when none may be started, or while sending is held.
  const cipher = {
    seal: async (peer: PeerId, frames: PeerFrame[], options: SealOptions = {}) => {
      if ((options.start === false && !session) || (options.holdable && (await sendingHeld(peer)))) return null;
      sealed.push(...frames);
      return frames.map(envelope);
    },
    open: async (_peer: string, envelopes: Uint8Array[], commit: (frames: PeerFrame[]) => Promise<unknown>) => {
      const frames = envelopes.map(frameOf);
      return { frames, committed: await commit(frames), failures: [], sessionChanged: false, sessionStarted: false };
    },
  } as unknown as SessionCipher;
  const transport = {
    isOpen: () => channelOpen,
    send: async (_peer: string, envelopes: Uint8Array[]) => {
      if (!channelOpen) return false;
      onChannel.push(...envelopes.map(frameOf));
      return true;
    },
    sendOnce: async (_peer: string, envelopes: Uint8Array[]) => void (channelOpen ? onChannel : viaServer).push(...envelopes.map(frameOf)),
    sendViaServer: (_peer: string, _id: string, bytes: Uint8Array) => viaServer.push(frameOf(bytes)) > 0,
    connect: () => {},
  } as unknown as Transport;
  ctx = {
    transport,
    cipher,
    onSecurityEvent: vi.fn(),
    myName: () => 'Bob',
    isViewing: () => viewing,
    isOnline: () => true,
    canOpenChannel: () => true,
    sendsReadReceipts: () => receiptsOn,
    onMessagesCommitted: vi.fn(),
    onTyping: vi.fn(),
  };
  messenger = new Messenger(ctx);
});

describe('sending typing frames', () => {
  it('seals one and writes it on the open channel, at most once per interval', async () => {
    await messenger.typing(ALICE);
    await messenger.typing(ALICE);
    expect(sealed).toEqual([{ t: 'typing' }]);
    expect(onChannel).toEqual([{ t: 'typing' }]);
    expect(viaServer).toEqual([]);
  });

  it('sends nothing at all without an open channel: nothing through the server', async () => {
    channelOpen = false;
    await messenger.typing(ALICE);
    expect([sealed, onChannel, viaServer]).toEqual([[], [], []]);
  });

  it('never starts a session for it; a keystroke without one does not use up the interval', async () => {
    session = false;
    await messenger.typing(ALICE);
    expect([sealed, onChannel, viaServer]).toEqual([[], [], []]);
    session = true; // the first message started it
    await messenger.typing(ALICE);
    expect(onChannel).toEqual([{ t: 'typing' }]);
  });

  it('sends nothing while sending to the contact is held after a session change', async () => {
    await markSessionChanged(ALICE, 5);
    await messenger.typing(ALICE);
    expect(sealed).toEqual([]);
  });
});

describe('receiving', () => {
  it('a typing frame tells the app and stores nothing, answers nothing', async () => {
    await messenger.onEnvelope(ALICE, envelope({ t: 'typing' }));
    expect(ctx.onTyping).toHaveBeenCalledWith(ALICE);
    expect(ctx.onMessagesCommitted).not.toHaveBeenCalled();
    expect(await db.messages.count()).toBe(0);
    expect(await db.conversations.count()).toBe(0);
    expect([...sealed, ...onChannel, ...viaServer]).toEqual([]);
  });

  it('new messages are reported once stored, a second copy is not reported again', async () => {
    await messenger.onEnvelope(ALICE, envelope(message(1)));
    expect(ctx.onMessagesCommitted).toHaveBeenCalledTimes(1);
    expect(ctx.onMessagesCommitted).toHaveBeenCalledWith(ALICE, [message(1)], expect.objectContaining({ unread: 1 }));
    expect((await listMessages(ALICE)).map((m) => m.text)).toEqual(['m1']);

    await messenger.onEnvelope(ALICE, envelope(message(1)));
    expect(ctx.onMessagesCommitted).toHaveBeenCalledTimes(1);
    // The duplicate still gets its delivery receipt: the sender never saw the first one.
    expect(onChannel.filter((f) => f.t === 'receipt')).toEqual([
      { t: 'receipt', status: 'delivered', ids: [msgId(1)] },
      { t: 'receipt', status: 'delivered', ids: [msgId(1)] },
    ]);
  });
});

describe('read receipts', () => {
  const readReceipts = () => sealed.filter((f) => f.t === 'receipt' && f.status === 'read');

  it('switched off: messages on screen are marked read here, and the sender is not told', async () => {
    receiptsOn = false;
    await messenger.onEnvelope(ALICE, envelope(message(1)));
    viewing = true;
    await messenger.markRead(ALICE);
    expect((await listMessages(ALICE)).map((m) => m.state)).toEqual(['read']);
    expect((await db.conversations.get(ALICE))?.unread).toBe(0);
    expect(readReceipts()).toEqual([]);
    // Delivery receipts still go: they are what makes delivery reliable.
    expect(sealed).toContainEqual({ t: 'receipt', status: 'delivered', ids: [msgId(1)] });
  });

  it('switched on: the sender is told', async () => {
    await messenger.onEnvelope(ALICE, envelope(message(1)));
    viewing = true;
    await messenger.markRead(ALICE);
    expect(readReceipts()).toEqual([{ t: 'receipt', status: 'read', ids: [msgId(1)] }]);
  });
});
