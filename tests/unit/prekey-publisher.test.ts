import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { generateIdentityKeys, type IdentityKeys } from '../../web/crypto/identity.ts';
import { generateOneTimePrekeys, generateSignedPrekey, publicOneTimePrekey, publicSignedPrekey } from '../../web/crypto/prekeys.ts';
import { PrekeyPublisher, type PrekeyOutlet } from '../../web/messaging/prekey-publisher.ts';
import { SERVER_LIMITS } from '../../web/protocol/limits.ts';
import { db } from '../../web/storage/db.ts';
import { getPrekeys, newestSignedPrekey } from '../../web/storage/prekeys.ts';
import { PrekeyStore } from '../../signal-server/prekeys.ts';

// This device's prekeys on the server's real prekey store (in memory): what a new device and a
// device restored from a backup publish when they come online, and when the server asks.

type Published = Parameters<PrekeyOutlet['publishPrekeys']>[0];

let me: IdentityKeys;
let store: PrekeyStore;
let published: Published[];
let publisher: PrekeyPublisher;

beforeEach(async () => {
  await Promise.all(db.tables.map((t) => t.clear()));
  me = await generateIdentityKeys();
  store = new PrekeyStore(':memory:', { maxOneTimePrekeys: SERVER_LIMITS.maxOneTimePrekeys });
  published = [];
  publisher = new PrekeyPublisher(me, {
    publishPrekeys: (frame) => {
      published.push(frame);
      expect(store.publish(me.id, frame.signed, frame.oneTime, frame.replace === true)).toMatchObject({ ok: true });
      return true;
    },
  });
});

const summary = (frames: Published[]) => frames.map((f) => ({ replace: f.replace === true, oneTime: f.oneTime.length }));

describe('PrekeyPublisher', () => {
  it('on a new device publishes one batch when it comes online; the greeting counted before it adds nothing', async () => {
    publisher.onOnline();
    publisher.onLow(store.count(me.id).oneTime); // the server's `prekeys_low` right after `ready`
    await vi.waitFor(() => expect(published).toHaveLength(1));
    publisher.onLow(5); // a later one, after bundles were taken: runs after the greeting's turn
    await vi.waitFor(() => expect(published).toHaveLength(2));
    expect(summary(published)).toEqual([
      { replace: true, oneTime: 100 },
      { replace: false, oneTime: 100 },
    ]);
  });

  it("on a restored device replaces the old device's prekeys at once, without being asked", async () => {
    // The old device's keys, still on the server: plenty, so the server would not ask for more.
    const old = await generateSignedPrekey(me, 1);
    const oldOneTime = await generateOneTimePrekeys(1000, 150);
    store.publish(me.id, publicSignedPrekey(old), oldOneTime.map(publicOneTimePrekey));

    publisher.onOnline();
    await vi.waitFor(() => expect(published).toHaveLength(1));
    expect(summary(published)).toEqual([{ replace: true, oneTime: 100 }]);
    expect(store.count(me.id)).toEqual({ signed: true, oneTime: 100 });
    // Whatever the server hands out now, this device holds the private half of.
    const bundle = store.takeBundle(me.id)!;
    expect(bundle.signed.id).toBe((await newestSignedPrekey())!.id);
    expect((await getPrekeys([], [bundle.oneTime!.id])).oneTime.has(bundle.oneTime!.id)).toBe(true);
  });

  it('publishes nothing more on reconnecting once it has published', async () => {
    publisher.onOnline();
    await vi.waitFor(() => expect(published).toHaveLength(1));
    publisher.onOnline();
    publisher.onLow(150); // runs after the reconnect's turn: tops up to the server's limit
    await vi.waitFor(() => expect(published).toHaveLength(2));
    expect(summary(published)).toEqual([
      { replace: true, oneTime: 100 },
      { replace: false, oneTime: 50 },
    ]);
  });
});
