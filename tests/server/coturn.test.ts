import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { turnCredential } from '../../signal-server/ice.ts';
import { toBase64Url } from '../../web/protocol/encoding.ts';
import { freeUdpAndTcpPort, startCoturn, type Coturn } from '../fixtures/coturn.ts';
import { ATTR, attribute, decodeXorAddress, TurnClient, type TransportAddress, type TurnResult } from '../fixtures/turn-client.ts';

// A real coturn with the hardened deploy/turnserver.conf, asked by a real TURN client with
// credentials made by the server's own turnCredential(). A valid credential allocates and a
// public peer is permitted, so the refusals below come from the credential check and the deny
// list, not from a client or configuration that refuses everything.

const HOST = '127.0.0.1';
const SECRET = toBase64Url(randomBytes(24));

let coturn: Coturn | undefined;
let server: TransportAddress;
const clients: TurnClient[] = [];

beforeAll(async () => {
  const port = await freeUdpAndTcpPort(HOST);
  coturn = await startCoturn({ listeningIp: HOST, relayIp: HOST, port, secret: SECRET });
  server = { address: HOST, port };
}, 20_000);

afterAll(() => coturn?.stop());

afterEach(() => {
  for (const client of clients.splice(0)) client.close();
});

async function newClient(): Promise<TurnClient> {
  const client = await TurnClient.open(server);
  clients.push(client);
  return client;
}

const newPeerId = (): string => toBase64Url(randomBytes(32));
const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** A client with an allocation made with a fresh, valid credential. */
async function allocated(): Promise<TurnClient> {
  const client = await newClient();
  const { username, credential } = turnCredential(SECRET, newPeerId(), nowSeconds() + 60);
  expect(await client.allocate(username, credential)).toMatchObject({ ok: true });
  return client;
}

const outcome = (result: TurnResult): { ok: boolean; code?: number } => (result.ok ? { ok: true } : { ok: false, code: result.code });

describe('TURN credentials', () => {
  it('allocates a relay address for a credential from turnCredential', async () => {
    const client = await newClient();
    const { username, credential } = turnCredential(SECRET, newPeerId(), nowSeconds() + 60);
    const result = await client.allocate(username, credential);
    expect(outcome(result)).toEqual({ ok: true });
    const relayed = decodeXorAddress(attribute(result.message, ATTR.xorRelayedAddress)!);
    expect(relayed.address).toBe(HOST);
    // min-port/max-port of the configuration file
    expect(relayed.port).toBeGreaterThanOrEqual(49152);
  });

  it('refuses a credential that expired a second ago (401)', async () => {
    const client = await newClient();
    const { username, credential } = turnCredential(SECRET, newPeerId(), nowSeconds() - 1);
    expect(outcome(await client.allocate(username, credential))).toEqual({ ok: false, code: 401 });
  });

  it('refuses an expired credential whose username was moved into the future without the secret (401)', async () => {
    const client = await newClient();
    const peer = newPeerId();
    const { credential } = turnCredential(SECRET, peer, nowSeconds() - 1);
    expect(outcome(await client.allocate(`${nowSeconds() + 3600}:${peer}`, credential))).toEqual({ ok: false, code: 401 });
  });

  // The placeholder deploy/turnserver.conf once had: coturn accepted it next to the real secret.
  it.each(['not-the-secret', 'CHANGE-ME-TO-A-LONG-RANDOM-SECRET'])('refuses a credential signed with the secret "%s" (401)', async (secret) => {
    const client = await newClient();
    const { username, credential } = turnCredential(secret, newPeerId(), nowSeconds() + 60);
    expect(outcome(await client.allocate(username, credential))).toEqual({ ok: false, code: 401 });
  });
});

describe('relay peers', () => {
  it.each([
    ['loopback', '127.0.0.1'],
    ['10.0.0.0/8', '10.0.0.1'],
    ['192.168.0.0/16', '192.168.1.1'],
    ['172.16.0.0/12', '172.16.0.1'],
    ['shared address space 100.64.0.0/10', '100.64.0.1'],
    ['link-local', '169.254.1.1'],
  ])('refuses a permission to %s (%s) with 403', async (_, peer) => {
    const client = await allocated();
    expect(outcome(await client.createPermission(peer))).toEqual({ ok: false, code: 403 });
  });

  // Public addresses, two of them just outside denied ranges: the deny list is what refuses.
  it.each(['8.8.8.8', '172.32.0.1', '100.128.0.1'])('permits a relay to the public address %s', async (peer) => {
    const client = await allocated();
    expect(outcome(await client.createPermission(peer))).toEqual({ ok: true });
  });
});
