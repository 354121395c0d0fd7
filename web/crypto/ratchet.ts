import { sodium, sodiumNow, type Sodium } from './sodium.ts';
import { AEAD_TAG_BYTES, openWith, sealInto } from './aead.ts';
import { cryptoError } from './crypto-error.ts';
import { encodeHeader, splitMessage, type RatchetHeader } from './ratchet-header.ts';
import { kdfChain, kdfRoot, MESSAGE_NONCE } from './ratchet-kdf.ts';
import { decodeKey, dh, generateDhKeyPair, type DhKeyPair } from './x25519.ts';
import type { X3dhHeader, X3dhInitiatorResult, X3dhResponderResult } from './x3dh.ts';
import { rememberingDecoder, toBase64Url } from '../protocol/encoding.ts';

// Signal's Double Ratchet (revision 1), without header encryption, as pure functions over a plain
// state object. Encrypting and decrypting are synchronous (after sodium() has loaded), so that
// they can run inside an IndexedDB transaction without ending it. Encrypting or decrypting never changes the state it is given: it returns the next
// state, and the caller stores that in the same IndexedDB transaction as the message. A failed,
// rejected or uncommitted decrypt therefore leaves the stored session exactly where it was, and
// a message can be tried again.
//
// Keys are base64url strings, so the state is JSON as it is (Dexie stores it directly, tests
// compare it with toEqual) and old and new states share no mutable bytes.

export const RATCHET_LIMITS = {
  /**
   * Most message keys one message may make us skip in one receiving chain (MAX_SKIP). Bounds the
   * work and the memory a hostile server can cause by reordering: each skip is two HMACs and one
   * stored key. Further ahead is `too_many_skipped`; the sender's outbox keeps the message and
   * retries it, and it goes through once the gap has been filled.
   */
  maxSkip: 1000,
  /**
   * Most skipped message keys a session holds in total, over all chains. A message that would
   * need more is `too_many_skipped` (as above: rejected, not lost). Keys are never evicted, since
   * an evicted key would make a late message unreadable for good.
   */
  maxSkippedKeys: 2000,
  /**
   * How many earlier remote ratchet keys are remembered, so that a replay of an old message is
   * recognised as `duplicate`. An older replay fails as `decrypt_failed`: rejected all the same.
   */
  rememberedChains: 32,
  /** Message numbers are 32-bit in the header; a chain that reaches this stops sending. */
  maxMessageNumber: 0xffff_ffff,
} as const;

/** A message key kept for a message that has not arrived yet. */
export interface SkippedKey {
  /** The remote ratchet key of its chain. */
  dh: string;
  n: number;
  mk: string;
}

export interface RatchetState {
  v: 1;
  /** X3DH's AD (IK_A || IK_B); every message authenticates it along with its header. */
  ad: string;
  rootKey: string;
  /** DHs: our current ratchet key pair. */
  sendRatchet: DhKeyPair;
  /** DHr: the peer's current ratchet public key; null until the responder's first message. */
  remoteRatchet: string | null;
  /** CKs; null on the responder's side until it has received a message. */
  sendChain: string | null;
  /** CKr; null until the first message in the peer's current chain. */
  recvChain: string | null;
  /** Ns, Nr, PN. */
  sendN: number;
  recvN: number;
  prevSendN: number;
  skipped: SkippedKey[];
  /** Earlier values of remoteRatchet, oldest first, at most rememberedChains. */
  oldRemoteRatchets: string[];
  /**
   * On the initiator's side, the X3DH header to send with every message until a reply has been
   * decrypted: whichever of those messages reaches the responder first can start the session.
   */
  x3dh: X3dhHeader | null;
}

const NO_CONTEXT = new Uint8Array(0);

/** A state before any message: the fields that differ between the two sides, counters at zero. */
const newState = (
  fields: Pick<RatchetState, 'ad' | 'rootKey' | 'sendRatchet' | 'remoteRatchet' | 'sendChain' | 'x3dh'>,
): RatchetState => ({ v: 1, ...fields, recvChain: null, sendN: 0, recvN: 0, prevSendN: 0, skipped: [], oldRemoteRatchets: [] });

/**
 * The initiator (Alice) after X3DH: the responder's signed prekey is the first remote ratchet
 * key, and the X3DH header goes with every message until a reply arrives.
 */
export async function initInitiatorRatchet(x3dh: X3dhInitiatorResult): Promise<RatchetState> {
  const s = await sodium();
  const sendRatchet = generateDhKeyPair(s);
  const root = kdfRoot(s, x3dh.sharedKey, dh(s, decodeKey(sendRatchet.privateKey), decodeKey(x3dh.remoteRatchetKey)));
  return newState({
    ad: toBase64Url(x3dh.associatedData),
    rootKey: toBase64Url(root.rootKey),
    sendRatchet,
    remoteRatchet: x3dh.remoteRatchetKey,
    sendChain: toBase64Url(root.chainKey),
    x3dh: x3dh.header,
  });
}

/**
 * The responder (Bob) after X3DH: its signed prekey pair is its first ratchet key pair, and it
 * can send once it has decrypted the initial message.
 */
export function initResponderRatchet(x3dh: X3dhResponderResult): RatchetState {
  return newState({
    ad: toBase64Url(x3dh.associatedData),
    rootKey: toBase64Url(x3dh.sharedKey),
    sendRatchet: { ...x3dh.ratchetKeyPair },
    remoteRatchet: null,
    sendChain: null,
    x3dh: null,
  });
}

const decodeAdText = rememberingDecoder();

/** The AD a state was made with (read only); a state whose AD does not decode is not one of ours. */
function decodeAd(state: RatchetState): Uint8Array {
  const ad = decodeAdText(state.ad);
  if (!ad) throw cryptoError('bad_key');
  return ad;
}

/**
 * Where each message's associated data is assembled. Chromium allocates every typed array over
 * 64 bytes outside the JavaScript heap, at about the cost of the AEAD of a chat message itself;
 * libsodium copies the AD into its own memory before it returns, and nothing here awaits, so one
 * buffer serves every message. It is read only by sealInto() and open(), right after aead() fills it.
 */
let adScratch = new Uint8Array(256);

/** The AEAD's associated data: the session's AD || the message header || the caller's context. */
function aead(state: RatchetState, headerBytes: Uint8Array, context: Uint8Array): Uint8Array {
  const ad = decodeAd(state);
  const length = ad.length + headerBytes.length + context.length;
  if (adScratch.length < length) adScratch = new Uint8Array(length);
  adScratch.set(ad, 0);
  adScratch.set(headerBytes, ad.length);
  adScratch.set(context, ad.length + headerBytes.length);
  return adScratch.subarray(0, length);
}

/** Reads a plaintext into an array of its own: what ratchetDecrypt gives unless told otherwise. */
export const plaintextBytes = (plaintext: Uint8Array): Uint8Array => plaintext.slice();

function open<T>(s: Sodium, messageKey: Uint8Array, ciphertext: Uint8Array, ad: Uint8Array, read: (plaintext: Uint8Array) => T): T {
  const opened = openWith(s, ciphertext, ad, MESSAGE_NONCE, messageKey, read);
  if (!opened) throw cryptoError('decrypt_failed');
  return opened.value;
}

/**
 * Encrypts one message. The result is header || ciphertext (ratchet-header.ts). `context` is
 * extra associated data the caller binds to the message (e.g. the envelope's version byte); the
 * receiver must pass the same bytes.
 */
export function ratchetEncrypt(
  state: RatchetState,
  plaintext: Uint8Array,
  context: Uint8Array = NO_CONTEXT,
): { message: Uint8Array; nextState: RatchetState } {
  return encrypt(state, plaintext, context, NO_CONTEXT);
}

/**
 * ratchetEncrypt for a message that travels right behind its context, as a ratchet message
 * behind its envelope's prefix (web/protocol/envelope.ts): the result is context || header ||
 * ciphertext, built in one buffer rather than copied twice.
 */
export function ratchetEncryptBehind(state: RatchetState, plaintext: Uint8Array, context: Uint8Array): { message: Uint8Array; nextState: RatchetState } {
  return encrypt(state, plaintext, context, context);
}

function encrypt(state: RatchetState, plaintext: Uint8Array, context: Uint8Array, lead: Uint8Array): { message: Uint8Array; nextState: RatchetState } {
  const s = sodiumNow();
  if (state.sendChain === null) throw cryptoError('no_sending_chain');
  if (state.sendN >= RATCHET_LIMITS.maxMessageNumber) throw cryptoError('chain_exhausted');
  const { chainKey, messageKey } = kdfChain(s, decodeKey(state.sendChain));
  const headerBytes = encodeHeader({ dh: state.sendRatchet.publicKey, pn: state.prevSendN, n: state.sendN });
  // The whole message in one buffer, the ciphertext sealed into its place (see aead.ts).
  const message = new Uint8Array(lead.length + headerBytes.length + plaintext.length + AEAD_TAG_BYTES);
  message.set(lead, 0);
  message.set(headerBytes, lead.length);
  sealInto(s, message, lead.length + headerBytes.length, plaintext, aead(state, headerBytes, context), MESSAGE_NONCE, messageKey);
  return {
    message,
    nextState: { ...state, sendChain: toBase64Url(chainKey), sendN: state.sendN + 1 },
  };
}

/**
 * Decrypts one message and returns the state after it. Throws CryptoError, leaving `state` as it
 * was: `bad_header` (too short), `duplicate` (its key was already used: a replay or a second
 * delivery), `too_many_skipped` (beyond RATCHET_LIMITS), `decrypt_failed` (altered, forged, or
 * for another session), `bad_key` (a header key that is not a usable point).
 *
 * The plaintext is what `read` makes of it (aead.ts openWith: a view valid during the call only),
 * by default a copy of its bytes; a caller that only decodes it saves the copy.
 */
export function ratchetDecrypt<T = Uint8Array>(
  state: RatchetState,
  message: Uint8Array,
  context: Uint8Array = NO_CONTEXT,
  read: (plaintext: Uint8Array) => T = plaintextBytes as (plaintext: Uint8Array) => T,
): { plaintext: T; nextState: RatchetState } {
  const s = sodiumNow();
  const { header, headerBytes, ciphertext } = splitMessage(message);

  const skippedIndex = state.skipped.findIndex((k) => k.dh === header.dh && k.n === header.n);
  if (skippedIndex >= 0) {
    const plaintext = open(s, decodeKey(state.skipped[skippedIndex]!.mk), ciphertext, aead(state, headerBytes, context), read);
    const skipped = state.skipped.filter((_, i) => i !== skippedIndex);
    return { plaintext, nextState: { ...state, skipped, x3dh: null } };
  }

  let next: RatchetState = state;
  if (header.dh === state.remoteRatchet) {
    if (header.n < state.recvN) throw cryptoError('duplicate');
  } else if (state.oldRemoteRatchets.includes(header.dh)) {
    // Every key of an earlier chain up to its end (the PN that closed it) was either used or is
    // in `skipped`, so a message of that chain that is not there has been read already.
    throw cryptoError('duplicate');
  } else {
    next = dhRatchetStep(s, skipMessageKeys(s, next, header.pn), header);
  }
  next = skipMessageKeys(s, next, header.n);
  if (next.recvChain === null) throw cryptoError('decrypt_failed');
  const { chainKey, messageKey } = kdfChain(s, decodeKey(next.recvChain));
  const plaintext = open(s, messageKey, ciphertext, aead(state, headerBytes, context), read);
  return { plaintext, nextState: { ...next, recvChain: toBase64Url(chainKey), recvN: next.recvN + 1, x3dh: null } };
}

/** Stores the keys of the current receiving chain's messages up to (not including) `until`. */
function skipMessageKeys(s: Sodium, state: RatchetState, until: number): RatchetState {
  if (state.recvChain === null || until <= state.recvN) return state;
  const count = until - state.recvN;
  if (count > RATCHET_LIMITS.maxSkip || state.skipped.length + count > RATCHET_LIMITS.maxSkippedKeys) {
    throw cryptoError('too_many_skipped');
  }
  const skipped = [...state.skipped];
  let chain = decodeKey(state.recvChain);
  for (let n = state.recvN; n < until; n++) {
    const step = kdfChain(s, chain);
    skipped.push({ dh: state.remoteRatchet!, n, mk: toBase64Url(step.messageKey) });
    chain = step.chainKey;
  }
  return { ...state, recvChain: toBase64Url(chain), recvN: until, skipped };
}

/**
 * A DH ratchet step on a new remote ratchet key: a receiving chain from DH(our key, theirs), then
 * a fresh key pair of ours and a sending chain from DH(new key, theirs). The fresh key is what
 * heals the session after a compromise (post-compromise security).
 */
function dhRatchetStep(s: Sodium, state: RatchetState, header: RatchetHeader): RatchetState {
  const remote = decodeKey(header.dh);
  const recv = kdfRoot(s, decodeKey(state.rootKey), dh(s, decodeKey(state.sendRatchet.privateKey), remote));
  const sendRatchet = generateDhKeyPair(s);
  const send = kdfRoot(s, recv.rootKey, dh(s, decodeKey(sendRatchet.privateKey), remote));
  const old = state.remoteRatchet === null ? state.oldRemoteRatchets : [...state.oldRemoteRatchets, state.remoteRatchet];
  return {
    ...state,
    rootKey: toBase64Url(send.rootKey),
    sendRatchet,
    remoteRatchet: header.dh,
    sendChain: toBase64Url(send.chainKey),
    recvChain: toBase64Url(recv.chainKey),
    sendN: 0,
    recvN: 0,
    prevSendN: state.sendN,
    oldRemoteRatchets: old.slice(-RATCHET_LIMITS.rememberedChains),
  };
}
