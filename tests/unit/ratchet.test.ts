import { describe, expect, it } from 'vitest';
import { HEADER_BYTES, splitMessage } from '../../web/crypto/ratchet-header.ts';
import { RATCHET_LIMITS, ratchetDecrypt, ratchetEncrypt, type RatchetState } from '../../web/crypto/ratchet.ts';
import { kdfChain, MESSAGE_NONCE } from '../../web/crypto/ratchet-kdf.ts';
import { sodium } from '../../web/crypto/sodium.ts';
import { decodeKey } from '../../web/crypto/x25519.ts';
import { concatBytes, fromBase64Url, fromUtf8, utf8 } from '../../web/protocol/encoding.ts';
import { cryptoCode, deepFreeze, startSessions } from '../fixtures/sessions.ts';

/** Encrypts `count` messages in a row from `state`; returns them and the state after. */
async function sendMany(state: RatchetState, count: number): Promise<{ messages: Uint8Array[]; state: RatchetState }> {
  const messages: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const out = await ratchetEncrypt(state, utf8(`m${i}`));
    messages.push(out.message);
    state = out.nextState;
  }
  return { messages, state };
}

async function receive(state: RatchetState, message: Uint8Array, context?: Uint8Array): Promise<RatchetState> {
  return (await ratchetDecrypt(state, message, context)).nextState;
}

describe('Double Ratchet', () => {
  it('round-trips both ways; the ciphertext holds no plaintext; the state is plain JSON', async () => {
    const { aliceState, bobState } = await startSessions();
    const sent = await ratchetEncrypt(deepFreeze(aliceState), utf8('canary 🐤'));
    expect(Buffer.from(sent.message).includes(Buffer.from('canary'))).toBe(false);
    const got = await ratchetDecrypt(deepFreeze(bobState), sent.message);
    expect(fromUtf8(got.plaintext)).toBe('canary 🐤');
    // What Dexie would store and load back (here through JSON) works the same.
    const bobReloaded = JSON.parse(JSON.stringify(got.nextState)) as RatchetState;
    expect(bobReloaded).toEqual(got.nextState);
    const reply = await ratchetEncrypt(bobReloaded, utf8('pong'));
    expect(fromUtf8((await ratchetDecrypt(sent.nextState, reply.message)).plaintext)).toBe('pong');
  });

  it('encrypts with XChaCha20-Poly1305 keyed by the chain’s message key, a zero nonce, and AD || header || context', async () => {
    const s = await sodium();
    const { aliceState } = await startSessions();
    const context = utf8('prefix');
    const { message } = await ratchetEncrypt(aliceState, utf8('wire format'), context);
    const { messageKey } = kdfChain(s, decodeKey(aliceState.sendChain!));
    const header = message.subarray(0, HEADER_BYTES);
    const ad = concatBytes(fromBase64Url(aliceState.ad)!, header, context);
    expect(MESSAGE_NONCE).toEqual(new Uint8Array(24));
    const plaintext = s.crypto_aead_xchacha20poly1305_ietf_decrypt(null, message.subarray(HEADER_BYTES), ad, MESSAGE_NONCE, messageKey);
    expect(fromUtf8(plaintext)).toBe('wire format');
  });

  it('keeps the X3DH header for the initiator until a reply arrives', async () => {
    const { aliceState, bobState } = await startSessions();
    expect(aliceState.x3dh).not.toBeNull();
    const first = await ratchetEncrypt(aliceState, utf8('1'));
    expect(first.nextState.x3dh).toEqual(aliceState.x3dh);
    const bob = await receive(bobState, first.message);
    const reply = await ratchetEncrypt(bob, utf8('2'));
    expect((await ratchetDecrypt(first.nextState, reply.message)).nextState.x3dh).toBeNull();
  });

  it('the responder cannot send before it has received', async () => {
    const { bobState } = await startSessions();
    expect(await cryptoCode(() => ratchetEncrypt(bobState, utf8('too early')))).toBe('no_sending_chain');
  });

  it('rejects a message too short to hold a header, one from another session, and a wrong context', async () => {
    const one = await startSessions();
    const two = await startSessions();
    const { message } = await ratchetEncrypt(one.aliceState, utf8('hello'), utf8('v2'));
    expect(await cryptoCode(() => ratchetDecrypt(one.bobState, message.subarray(0, HEADER_BYTES + 15), utf8('v2')))).toBe('bad_header');
    expect(await cryptoCode(() => ratchetDecrypt(two.bobState, message, utf8('v2')))).toBe('decrypt_failed');
    expect(await cryptoCode(() => ratchetDecrypt(one.bobState, message, utf8('v3')))).toBe('decrypt_failed');
    expect(await cryptoCode(() => ratchetDecrypt(one.bobState, message))).toBe('decrypt_failed');
    expect(await cryptoCode(() => ratchetDecrypt(one.bobState, message, utf8('v2')))).toBe('ok');
  });

  it(`skips at most maxSkip (${RATCHET_LIMITS.maxSkip}) keys in one chain, and the gap can still be filled`, async () => {
    const { aliceState, bobState } = await startSessions();
    const { messages } = await sendMany(aliceState, RATCHET_LIMITS.maxSkip + 2);
    const tooFar = messages[RATCHET_LIMITS.maxSkip + 1]!;
    expect(await cryptoCode(() => ratchetDecrypt(bobState, tooFar))).toBe('too_many_skipped');
    let bob = await receive(bobState, messages[RATCHET_LIMITS.maxSkip]!); // skips exactly maxSkip
    expect(bob.skipped).toHaveLength(RATCHET_LIMITS.maxSkip);
    // The rejected message goes through once the receiver has caught up, as an outbox retry would.
    bob = await receive(bob, tooFar);
    for (const m of messages.slice(0, RATCHET_LIMITS.maxSkip)) bob = await receive(bob, m);
    expect(bob.skipped).toHaveLength(0);
  });

  it(`holds at most maxSkippedKeys (${RATCHET_LIMITS.maxSkippedKeys}) skipped keys over all chains`, async () => {
    let { aliceState: alice, bobState: bob } = await startSessions();
    const perChain = RATCHET_LIMITS.maxSkip;
    const chains = RATCHET_LIMITS.maxSkippedKeys / perChain;
    // Each round: Alice sends perChain + 1 messages on a new chain, Bob gets only the last one
    // (storing perChain skipped keys), and replies so that Alice's next round is a new chain.
    for (let round = 0; round <= chains; round++) {
      const sent = await sendMany(alice, perChain + 1);
      alice = sent.state;
      const last = sent.messages[perChain]!;
      if (round === chains) {
        expect(await cryptoCode(() => ratchetDecrypt(bob, last))).toBe('too_many_skipped');
        break;
      }
      bob = await receive(bob, last);
      expect(bob.skipped).toHaveLength((round + 1) * perChain);
      const reply = await ratchetEncrypt(bob, utf8('ack'));
      bob = reply.nextState;
      alice = await receive(alice, reply.message);
    }
  });

  it('rejects a replay of a message older than the remembered chains too', async () => {
    let { aliceState: alice, bobState: bob } = await startSessions();
    const first = await ratchetEncrypt(alice, utf8('first'));
    alice = first.nextState;
    bob = await receive(bob, first.message);
    for (let i = 0; i <= RATCHET_LIMITS.rememberedChains; i++) {
      const b = await ratchetEncrypt(bob, utf8('b'));
      bob = b.nextState;
      alice = await receive(alice, b.message);
      const a = await ratchetEncrypt(alice, utf8('a'));
      alice = a.nextState;
      bob = await receive(bob, a.message);
    }
    expect(bob.oldRemoteRatchets).toHaveLength(RATCHET_LIMITS.rememberedChains);
    expect(bob.oldRemoteRatchets).not.toContain(splitMessage(first.message).header.dh);
    expect(await cryptoCode(() => ratchetDecrypt(bob, first.message))).toBe('decrypt_failed');
  });

  it('refuses to send past the largest message number', async () => {
    const { aliceState } = await startSessions();
    const exhausted = { ...aliceState, sendN: RATCHET_LIMITS.maxMessageNumber };
    expect(await cryptoCode(() => ratchetEncrypt(exhausted, utf8('x')))).toBe('chain_exhausted');
  });
});
