import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import { generateIdentityKeys, type IdentityKeys } from '../../web/crypto/identity.ts';
import { RATCHET_LIMITS } from '../../web/crypto/ratchet.ts';
import { OutboxSender } from '../../web/messaging/outbox-sender.ts';
import { SessionCipher } from '../../web/messaging/session-cipher.ts';
import type { Transport } from '../../web/net/transport.ts';
import type { PeerId } from '../../web/protocol/ids.ts';
import { db } from '../../web/storage/db.ts';
import { listMessages } from '../../web/storage/messages.ts';
import { bundleOf, publishPrekeys } from '../fixtures/sessions.ts';

// OutboxSender.queue, the composer's way in, with the real SessionCipher on IndexedDB
// (fake-indexeddb) and the transport played by a recorder: the server is online, no channel.

let bob: IdentityKeys;
let carol: IdentityKeys;
let cipher: SessionCipher;
let viaServer: { id: string; bytes: Uint8Array }[];
let sealFailures: unknown[];
let sealFailed: Promise<void>;
let outbox: OutboxSender;

beforeEach(async () => {
  await Promise.all(db.tables.map((t) => t.clear()));
  [bob, carol] = await Promise.all([generateIdentityKeys(), generateIdentityKeys()]);
  const carolPrekeys = await publishPrekeys(carol);
  cipher = new SessionCipher(bob, { fetchBundle: async () => bundleOf(carol, carolPrekeys) });
  viaServer = [];
  const failures: unknown[] = [];
  sealFailures = failures;
  const transport = {
    isOpen: () => false,
    serverOnline: true,
    sendViaServer: (_peer: PeerId, id: string, bytes: Uint8Array) => viaServer.push({ id, bytes }) > 0,
  } as unknown as Transport;
  let failed!: () => void;
  sealFailed = new Promise((resolve) => (failed = resolve));
  outbox = new OutboxSender(transport, cipher, (_peer, error) => {
    failures.push(error);
    failed();
  });
});

describe('OutboxSender.queue', () => {
  it('with a session, seals each new message as it stores it and hands it to the server at once', async () => {
    await cipher.seal(carol.id, [{ t: 'typing' }]);
    const messages = await outbox.queue(carol.id, ['one', 'two']);
    expect((await listMessages(carol.id)).map((m) => m.text)).toEqual(['one', 'two']);
    expect(viaServer.map((s) => s.id)).toEqual(messages.map((m) => m.id));
    expect((await db.sessions.get(carol.id))?.current.state.sendN).toBe(3);
  });

  it('when sealing fails, stores the messages all the same and reports the failure through the drain', async () => {
    await cipher.seal(carol.id, [{ t: 'typing' }]);
    await db.sessions.update(carol.id, { 'current.state.sendN': RATCHET_LIMITS.maxMessageNumber });
    await outbox.queue(carol.id, ['kept']);
    expect((await listMessages(carol.id)).map((m) => m.text)).toEqual(['kept']);
    await sealFailed;
    expect(sealFailures[0]).toMatchObject({ code: 'chain_exhausted' });
    expect(viaServer).toEqual([]);
    expect(await db.outbox.count()).toBe(1);
  });
});
