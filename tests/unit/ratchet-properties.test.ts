import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ratchetDecrypt, type RatchetState } from '../../web/crypto/ratchet.ts';
import { kdfChain } from '../../web/crypto/ratchet-kdf.ts';
import { sodium } from '../../web/crypto/sodium.ts';
import { decodeKey } from '../../web/crypto/x25519.ts';
import { fromUtf8, toBase64Url } from '../../web/protocol/encoding.ts';
import { Conversation, otherSide, roundsArb, type Delivery, type Sent, type Side } from '../fixtures/conversation.ts';
import { cryptoCode, deepFreeze } from '../fixtures/sessions.ts';

// The Double Ratchet properties of issue 5, over generated conversations (fixtures/
// conversation.ts): alternating rounds with any delivery order, so DH ratchet steps happen in
// both directions with messages late, early and interleaved.

const SIDES: Side[] = ['alice', 'bob'];

/** Decrypts, or null when the message does not open. */
function tryDecrypt(state: RatchetState, message: Uint8Array): ReturnType<typeof ratchetDecrypt<Uint8Array>> | null {
  try {
    return ratchetDecrypt(state, message);
  } catch {
    return null;
  }
}
const picksArb = fc.array(fc.nat(), { maxLength: 40 });

/** Distinct ratchet keys a side has sent with: 1 + the DH ratchet steps it made. */
const ratchetKeysUsed = (c: Conversation, side: Side): number =>
  new Set(c.sent.filter((m) => m.from === side).map((m) => m.senderBefore.sendRatchet.publicKey)).size;

/** The chain key and message key a message was encrypted with, recomputed from its sender's state. */
async function keysOf(sent: Sent): Promise<string[]> {
  const s = await sodium();
  const chainKey = sent.senderBefore.sendChain!;
  return [chainKey, toBase64Url(kdfChain(s, decodeKey(chainKey)).messageKey)];
}

// Coverage across all runs, checked once at the end: a generator that stopped producing ratchet
// steps, or a PCS run where the attacker never had (or never lost) access, would prove nothing.
const seen = { maxSteps: 0, attackerReads: 0, attackerLockedOut: 0 };
afterAll(() => {
  expect(seen.maxSteps).toBeGreaterThanOrEqual(3);
  expect(seen.attackerReads).toBeGreaterThan(0);
  expect(seen.attackerLockedOut).toBeGreaterThan(0);
});

describe('Double Ratchet properties', () => {
  it('any delivery order within the skip limit decrypts each message exactly once', async () => {
    await fc.assert(
      fc.asyncProperty(roundsArb, picksArb, async (rounds, picks) => {
        const c = await Conversation.start();
        await c.play(rounds);
        await c.drain(picks);
        // deliver() throws unless the message decrypts to exactly what was sent.
        const delivered = [...c.delivered.alice, ...c.delivered.bob].map((m) => m.seq).sort((a, b) => a - b);
        expect(delivered).toEqual(c.sent.map((m) => m.seq));
        for (const side of SIDES) {
          for (const m of c.delivered[side]) expect(await cryptoCode(() => ratchetDecrypt(c.states[side], m.message))).toBe('duplicate');
        }
        seen.maxSteps = Math.max(seen.maxSteps, Math.min(ratchetKeysUsed(c, 'alice'), ratchetKeysUsed(c, 'bob')) - 1);
      }),
      { numRuns: 60 },
    );
  });

  it('rejects a replay at any point as duplicate, without touching the state', async () => {
    await fc.assert(
      fc.asyncProperty(roundsArb, fc.nat(), async (rounds, replayPick) => {
        const c = await Conversation.start();
        let replays = 0;
        const replayOne = async ({ sent }: Delivery): Promise<void> => {
          const to = sent.to;
          const old = c.delivered[to][replayPick % c.delivered[to].length]!;
          const before = JSON.stringify(c.states[to]);
          expect(await cryptoCode(() => ratchetDecrypt(c.states[to], old.message))).toBe('duplicate');
          expect(JSON.stringify(c.states[to])).toBe(before);
          replays++;
        };
        await c.play(rounds, replayOne);
        await c.drain([], replayOne);
        expect(replays).toBe(c.sent.length);
      }),
      { numRuns: 60 },
    );
  });

  it('rejects any single flipped bit in header or ciphertext, and a failed decrypt advances nothing', async () => {
    await fc.assert(
      fc.asyncProperty(roundsArb, fc.nat(), fc.nat(), async (rounds, which, bit) => {
        const c = await Conversation.start();
        await c.play(rounds);
        if (c.inFlight.bob.length + c.inFlight.alice.length === 0) await c.send('alice');
        const to: Side = c.inFlight.bob.length > 0 ? 'bob' : 'alice';
        const target = c.inFlight[to][which % c.inFlight[to].length]!;
        const tampered = target.message.slice();
        const index = bit % (tampered.length * 8);
        tampered[index >> 3]! ^= 1 << (index & 7);
        const before = c.states[to];
        const snapshot = JSON.stringify(before);
        expect(await cryptoCode(() => ratchetDecrypt(before, tampered))).not.toBe('ok');
        expect(c.states[to]).toBe(before);
        expect(JSON.stringify(before)).toBe(snapshot);
        // The untouched message, and everything else in flight, still decrypt from that state.
        await c.deliver(to, c.inFlight[to].indexOf(target));
        await c.drain([]);
      }),
      { numRuns: 150 },
    );
  });

  it('forward secrecy: a state held after a DH ratchet step (or any later state) cannot decrypt earlier messages', async () => {
    await fc.assert(
      fc.asyncProperty(roundsArb, picksArb, async (rounds, picks) => {
        const c = await Conversation.start();
        // For each side: messages it has received so far, and states it had after a DH step.
        const received: Record<Side, Sent[]> = { alice: [], bob: [] };
        const checks: { side: Side; later: RatchetState; earlier: Sent[] }[] = [];
        const afterDelivery = async ({ sent, before }: Delivery): Promise<void> => {
          const side = sent.to;
          // A new remote ratchet key: this delivery made a DH ratchet step.
          if (before.remoteRatchet !== c.states[side].remoteRatchet && received[side].length > 0) {
            checks.push({ side, later: c.states[side], earlier: [...received[side]] });
          }
          received[side].push(sent);
        };
        await c.play(rounds, afterDelivery);
        await c.drain(picks, afterDelivery);
        // And the states both sides end with, against everything they ever received.
        for (const side of SIDES) checks.push({ side, later: c.states[side], earlier: c.delivered[side] });
        for (const { side, later, earlier } of checks) {
          // Everything both sides hold afterwards, as stored: no earlier chain or message key in it.
          const held = JSON.stringify([later, c.states[side], c.states[otherSide(side)]]);
          for (const m of earlier) {
            expect(await cryptoCode(() => ratchetDecrypt(later, m.message))).not.toBe('ok');
            for (const key of await keysOf(m)) expect(held.includes(key)).toBe(false);
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  it("post-compromise security: a stolen state reads messages until the victim's next DH ratchet step, and none after", async () => {
    await fc.assert(
      fc.asyncProperty(roundsArb, fc.nat(), picksArb, async (rounds, stealAt, picks) => {
        const c = await Conversation.start();
        // The attacker copies Bob's whole state after `stealAt` deliveries to Bob, and from then
        // on sees every message to Bob and runs it through its copy, keeping what works.
        const bobKeysAtTheft = new Set<string>([c.states.bob.sendRatchet.publicKey]);
        let attacker: RatchetState | null = null;
        let deliveriesToBob = 0;
        const afterDelivery = async ({ sent }: Delivery): Promise<void> => {
          if (sent.to !== 'bob') return;
          if (attacker === null) {
            bobKeysAtTheft.add(c.states.bob.sendRatchet.publicKey);
            if (++deliveriesToBob > stealAt % 6) attacker = c.states.bob;
            return;
          }
          // Alice's chain for this message came from DH(her key, the Bob key she had then):
          // readable only if that Bob key's private half was in the stolen state (or before it).
          const readable = bobKeysAtTheft.has(sent.senderBefore.remoteRatchet!);
          const attempt = tryDecrypt(attacker, sent.message);
          expect(attempt !== null).toBe(readable);
          if (attempt) {
            expect(fromUtf8(attempt.plaintext)).toBe(sent.text);
            attacker = deepFreeze(attempt.nextState);
            seen.attackerReads++;
          } else {
            seen.attackerLockedOut++;
          }
        };
        await c.play(rounds, afterDelivery);
        await c.drain(picks, afterDelivery);
      }),
      { numRuns: 80 },
    );
  });
});
