import { describe, expect, it } from 'vitest';
import { generateIdentityKeys } from '../../web/crypto/identity.ts';
import { CLOSE_CODES } from '../../web/protocol/errors.ts';
import type { PeerId } from '../../web/protocol/ids.ts';
import { startServer } from '../fixtures/server.ts';
import { candidateSignal, TestClient, type FrameOf } from '../fixtures/ws-client.ts';

const threeClients = (url: string): Promise<[TestClient, TestClient, TestClient]> =>
  Promise.all([TestClient.authenticated(url), TestClient.authenticated(url), TestClient.authenticated(url)]);

/** Sends a watch and returns the presence frame that answers it. */
async function watch(watcher: TestClient, ids: PeerId[]): Promise<FrameOf<'presence'>> {
  watcher.send({ t: 'watch', ids });
  return watcher.next('presence');
}

/** The notification a watcher gets when one peer changes. */
const change = (id: PeerId, online: boolean): FrameOf<'presence'> => ({ t: 'presence', peers: [{ id, online }] });

describe('presence', () => {
  it('answers watch with the current state, then reports online and offline', async () => {
    const server = await startServer();
    const [alice, bob] = await Promise.all([TestClient.authenticated(server.url), TestClient.authenticated(server.url)]);
    const carolKeys = await generateIdentityKeys();

    expect(await watch(bob, [alice.identity.id, carolKeys.id])).toEqual({
      t: 'presence',
      peers: [
        { id: alice.identity.id, online: true },
        { id: carolKeys.id, online: false },
      ],
    });

    const carol = await TestClient.authenticated(server.url, { identity: carolKeys });
    expect(await bob.next('presence')).toEqual(change(carolKeys.id, true));

    carol.close();
    expect(await bob.next('presence')).toEqual(change(carolKeys.id, false));
  });

  it('notifies only the current watches of live connections', async () => {
    const server = await startServer();
    const [alice, bob, carol] = await threeClients(server.url);
    const dave = await TestClient.authenticated(server.url);
    await watch(bob, [alice.identity.id]);
    await watch(bob, [carol.identity.id]); // replaces the watch of Alice
    await watch(dave, [carol.identity.id]);
    dave.close(); // a watcher that is gone must not break notifying the others
    await dave.closed;

    alice.close();
    await alice.closed;
    carol.close();
    // Carol's offline arrives; Alice's, no longer watched, must not have come before it.
    expect(await bob.next('presence')).toEqual(change(carol.identity.id, false));
    expect(bob.pending()).toEqual([]);
  });

  it('lets a newer connection of the same ID replace the old one without an offline blip', async () => {
    const server = await startServer();
    const aliceKeys = await generateIdentityKeys();
    const [oldAlice, bob] = await Promise.all([
      TestClient.authenticated(server.url, { identity: aliceKeys }),
      TestClient.authenticated(server.url),
    ]);
    expect(await watch(bob, [aliceKeys.id])).toEqual(change(aliceKeys.id, true));

    const newAlice = await TestClient.authenticated(server.url, { identity: aliceKeys });
    expect((await oldAlice.closed).code).toBe(CLOSE_CODES.replaced);
    await bob.roundTrip();
    expect(bob.pending()).toEqual([]);

    // Signals now reach the new connection.
    bob.send({ t: 'signal', to: aliceKeys.id, data: candidateSignal() });
    expect(await newAlice.next('signal')).toMatchObject({ from: bob.identity.id });

    newAlice.close();
    expect(await bob.next('presence')).toEqual(change(aliceKeys.id, false));
  });
});
