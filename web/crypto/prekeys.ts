import { sodium } from './sodium.ts';
import { yieldToMain } from '../main-thread.ts';
import { sign, verify, type IdentityKeys } from './identity.ts';
import { cryptoError } from './crypto-error.ts';
import { decodeKey, generateDhKeyPair, identityDhPublicKey } from './x25519.ts';
import { isPeerId, isSignature, type PeerId } from '../protocol/ids.ts';
import { signedPrekeyTranscript } from '../protocol/transcripts.ts';

// X3DH prekeys: what a device publishes to the server so that others can start a session while
// it is offline, and the check an initiator makes before trusting what the server handed out.
// The server is assumed hostile: it may hand out someone else's bundle, an altered one, or none.

export const PREKEY_POLICY = {
  /** A new signed prekey is made this often (when the app runs), limiting how long one is exposed. */
  signedPrekeyRotationMs: 7 * 24 * 60 * 60 * 1000,
  /**
   * A replaced signed prekey's private key is kept this long, so that a first message sitting in
   * the mailbox (whose TTL is 30 days) can still be answered; then it is deleted.
   */
  signedPrekeyRetentionMs: 30 * 24 * 60 * 60 * 1000,
  /**
   * One-time prekeys made and published at a time (when the server says few are left). Each first
   * contact while this device is offline uses one; when none is left X3DH runs without (DH4).
   */
  oneTimePrekeyBatch: 100,
} as const;

/**
 * Prekey IDs are unsigned 32-bit numbers, counted up per device (each kind on its own counter),
 * so the responder finds the private key an initial message names. A counter starts at a random
 * point so that a device restored from a backup (same identity, new counters) is unlikely to
 * reuse an ID that the server still holds from the old device. 0 is never used.
 */
export const MAX_PREKEY_ID = 0xffff_ffff;

export const isPrekeyId = (value: unknown): value is number =>
  Number.isInteger(value) && (value as number) >= 1 && (value as number) <= MAX_PREKEY_ID;

export const firstPrekeyId = (): number => 1 + (globalThis.crypto.getRandomValues(new Uint32Array(1))[0]! >>> 1);

export const nextPrekeyId = (id: number): number => (id >= MAX_PREKEY_ID ? 1 : id + 1);

// Field names follow the server's `prekeys` and `bundle` frames (web/protocol/server-frames.ts),
// so a parsed frame can be passed here as it is.

/** The public half of a signed prekey, as published: key base64url, createdAt in ms, sig Ed25519. */
export interface SignedPrekey {
  id: number;
  key: string;
  createdAt: number;
  sig: string;
}

/** A signed prekey as the owner stores it. */
export interface SignedPrekeyPair extends SignedPrekey {
  privateKey: string;
}

export interface OneTimePrekey {
  id: number;
  key: string;
}

export interface OneTimePrekeyPair extends OneTimePrekey {
  privateKey: string;
}

/** What the server hands out for "how do I start a session with `peer`": at most one one-time prekey. */
export interface PrekeyBundle {
  peer: PeerId;
  signed: SignedPrekey;
  oneTime?: OneTimePrekey | undefined;
}

/** A bundle that passed verifyBundle, with its keys decoded. Only this can start a session. */
export interface VerifiedBundle {
  identityKey: PeerId;
  identityDhKey: Uint8Array;
  signedPrekeyId: number;
  signedPrekey: Uint8Array;
  oneTimePrekeyId: number | null;
  oneTimePrekey: Uint8Array | null;
}

export async function generateSignedPrekey(me: IdentityKeys, id: number, now = Date.now()): Promise<SignedPrekeyPair> {
  if (!isPrekeyId(id)) throw new RangeError('Not a prekey ID.');
  const s = await sodium();
  const { publicKey: key, privateKey } = generateDhKeyPair(s);
  const createdAt = Math.floor(now);
  const sig = await sign(me, signedPrekeyTranscript({ owner: me.id, id, createdAt, key }));
  return { id, key, createdAt, sig, privateKey };
}

/** One-time prekeys made between two yields to the main thread (see generateOneTimePrekeys). */
const PREKEYS_PER_SLICE = 10;

/**
 * `count` one-time prekeys with consecutive IDs from `firstId`. A full batch takes a slow phone
 * a few hundred milliseconds, right after signing in: it is made a slice at a time, so that the
 * page goes on answering meanwhile.
 */
export async function generateOneTimePrekeys(firstId: number, count: number): Promise<OneTimePrekeyPair[]> {
  if (!isPrekeyId(firstId)) throw new RangeError('Not a prekey ID.');
  const s = await sodium();
  const out: OneTimePrekeyPair[] = [];
  for (let i = 0, id = firstId; i < count; i++, id = nextPrekeyId(id)) {
    if (i > 0 && i % PREKEYS_PER_SLICE === 0) await yieldToMain();
    const { publicKey: key, privateKey } = generateDhKeyPair(s);
    out.push({ id, key, privateKey });
  }
  return out;
}

export const publicSignedPrekey = ({ id, key, createdAt, sig }: SignedPrekeyPair): SignedPrekey => ({ id, key, createdAt, sig });

export const publicOneTimePrekey = ({ id, key }: OneTimePrekeyPair): OneTimePrekey => ({ id, key });

/**
 * Checks a bundle the server handed out for `contact` and decodes it. Fails closed, throwing
 * CryptoError: a bundle for another identity (`bundle_wrong_identity`: a server swapping in its
 * own identity with a valid signature), a signed prekey not signed by the contact's key
 * (`bad_prekey_signature`: a server substituting its own prekey), or anything malformed.
 */
export async function verifyBundle(bundle: PrekeyBundle, contact: PeerId): Promise<VerifiedBundle> {
  const s = await sodium();
  const spk = bundle?.signed;
  const opk = bundle?.oneTime;
  if (
    !isPeerId(bundle?.peer) ||
    !isPrekeyId(spk?.id) ||
    !Number.isSafeInteger(spk.createdAt) ||
    !isSignature(spk.sig) ||
    typeof spk.key !== 'string' ||
    (opk !== undefined && (!isPrekeyId(opk?.id) || typeof opk.key !== 'string'))
  ) {
    throw cryptoError('bad_bundle');
  }
  if (bundle.peer !== contact) throw cryptoError('bundle_wrong_identity');
  const transcript = signedPrekeyTranscript({ owner: contact, id: spk.id, createdAt: spk.createdAt, key: spk.key });
  if (!(await verify(contact, transcript, spk.sig))) throw cryptoError('bad_prekey_signature');
  return {
    identityKey: contact,
    identityDhKey: identityDhPublicKey(s, contact),
    signedPrekeyId: spk.id,
    signedPrekey: decodeKey(spk.key),
    oneTimePrekeyId: opk ? opk.id : null,
    oneTimePrekey: opk ? decodeKey(opk.key) : null,
  };
}
