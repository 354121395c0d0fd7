import { sodium, sodiumNow, type Sodium } from './sodium.ts';
import type { IdentityKeys } from './identity.ts';
import { cryptoError } from './crypto-error.ts';
import { hkdf } from './hkdf.ts';
import { isPrekeyId, verifyBundle, type OneTimePrekeyPair, type PrekeyBundle, type SignedPrekeyPair } from './prekeys.ts';
import { decodeKey, dh, generateDhKeyPair, identityDhPrivateKey, identityDhPublicKey, type DhKeyPair } from './x25519.ts';
import { concatBytes, utf8 } from '../protocol/encoding.ts';
import { isPeerId, peerIdToBytes, type PeerId } from '../protocol/ids.ts';
import type { InitialHeader } from '../protocol/envelope.ts';

// X3DH (Signal's Extended Triple Diffie-Hellman, revision 1) for X25519 and SHA-256: the
// initiator A derives a shared key SK from a contact B's published prekeys, with no round trip;
// B derives the same SK later from the initial message's header. Identity keys are the Ed25519
// identities, converted to X25519 for the DH (x25519.ts).
//
//   DH1 = DH(IK_A, SPK_B)   DH2 = DH(EK_A, IK_B)   DH3 = DH(EK_A, SPK_B)   DH4 = DH(EK_A, OPK_B)
//   SK  = HKDF-SHA256(IKM = F || DH1 || DH2 || DH3 [|| DH4], salt = 32 zero bytes, info)
//
// F (32 0xFF bytes) keeps the IKM from ever starting with a valid X25519 value, as the spec asks
// (domain separation from XEdDSA); DH4 is there only when the bundle had a one-time prekey.

/** The HKDF info: names the application and the version of this construction. */
export const X3DH_INFO = 'Tincan X3DH v1';
const F = new Uint8Array(32).fill(0xff);
const ZERO_SALT = new Uint8Array(32);
const SK_BYTES = 32;

/**
 * Sent in clear with the initiator's messages until a reply arrives, so the responder can derive
 * SK: who A is, A's ephemeral key, and which of B's prekeys A used. It travels in the envelope
 * (web/protocol/envelope.ts), which defines it.
 */
export type X3dhHeader = InitialHeader;

export interface X3dhInitiatorResult {
  sharedKey: Uint8Array;
  /** AD = Encode(IK_A) || Encode(IK_B): the two Ed25519 identity keys, 32 bytes each. */
  associatedData: Uint8Array;
  header: X3dhHeader;
  /** B's signed prekey: the first remote ratchet key of the Double Ratchet (ratchet.ts). */
  remoteRatchetKey: string;
}

export interface X3dhResponderResult {
  sharedKey: Uint8Array;
  associatedData: Uint8Array;
  /** The signed prekey pair: B's first ratchet key pair. */
  ratchetKeyPair: DhKeyPair;
  /**
   * The one-time prekey to delete now, in the same transaction that stores the new session, so a
   * replayed initial message can never derive SK again. null when none was used.
   */
  deleteOneTimePrekeyId: number | null;
}

const kdf = (s: Sodium, dhs: Uint8Array[]): Uint8Array => hkdf(s, concatBytes(F, ...dhs), ZERO_SALT, utf8(X3DH_INFO), SK_BYTES);

/** AD from two peer IDs, initiator first. Both sides compute it from IDs they already trust. */
function associatedData(initiator: PeerId, responder: PeerId): Uint8Array {
  const a = peerIdToBytes(initiator);
  const b = peerIdToBytes(responder);
  if (!a || !b) throw cryptoError('bad_key');
  return concatBytes(a, b);
}

/**
 * A's side: verifies `bundle` as belonging to `contact` (throws, failing closed, if not: see
 * verifyBundle), then derives SK with a fresh ephemeral key.
 */
export async function initiateX3dh(me: IdentityKeys, bundle: PrekeyBundle, contact: PeerId): Promise<X3dhInitiatorResult> {
  const s = await sodium();
  const b = await verifyBundle(bundle, contact);
  const ephemeral = generateDhKeyPair(s);
  const ek = decodeKey(ephemeral.privateKey);
  const dhs = [
    dh(s, identityDhPrivateKey(s, me.secretKey), b.signedPrekey),
    dh(s, ek, b.identityDhKey),
    dh(s, ek, b.signedPrekey),
  ];
  if (b.oneTimePrekey) dhs.push(dh(s, ek, b.oneTimePrekey));
  return {
    sharedKey: kdf(s, dhs),
    associatedData: associatedData(me.id, contact),
    header: {
      identityKey: me.id,
      ephemeralKey: ephemeral.publicKey,
      signedPrekeyId: b.signedPrekeyId,
      oneTimePrekeyId: b.oneTimePrekeyId,
    },
    remoteRatchetKey: bundle.signed.key,
  };
}

/**
 * B's side, for an initial message whose header names A. Synchronous (after sodium() has
 * loaded): it runs in the transaction that stores the session it starts. The caller looks up the prekeys by the
 * IDs in the header and passes what it found (undefined when it has no such key): a missing or
 * already-used one-time prekey is `unknown_one_time_prekey`, never a silent fallback to three DHs.
 *
 * The caller must still decide whether header.identityKey is the contact it expects (the server
 * stamps the sender; a different key for a known contact is a key change to show the user).
 */
export function respondX3dh(
  me: IdentityKeys,
  header: X3dhHeader,
  prekeys: { signedPrekey: SignedPrekeyPair | undefined; oneTimePrekey: OneTimePrekeyPair | undefined },
): X3dhResponderResult {
  const s = sodiumNow();
  if (
    !isPeerId(header?.identityKey) ||
    !isPrekeyId(header.signedPrekeyId) ||
    (header.oneTimePrekeyId !== null && !isPrekeyId(header.oneTimePrekeyId))
  ) {
    throw cryptoError('bad_header');
  }
  const { signedPrekey } = prekeys;
  if (!signedPrekey || signedPrekey.id !== header.signedPrekeyId) throw cryptoError('unknown_signed_prekey');
  const oneTimePrekey = header.oneTimePrekeyId === null ? null : prekeys.oneTimePrekey;
  if (oneTimePrekey === undefined || (oneTimePrekey && oneTimePrekey.id !== header.oneTimePrekeyId)) {
    throw cryptoError('unknown_one_time_prekey');
  }
  const ek = decodeKey(header.ephemeralKey);
  const spk = decodeKey(signedPrekey.privateKey);
  const dhs = [
    dh(s, spk, identityDhPublicKey(s, header.identityKey)),
    dh(s, identityDhPrivateKey(s, me.secretKey), ek),
    dh(s, spk, ek),
  ];
  if (oneTimePrekey) dhs.push(dh(s, decodeKey(oneTimePrekey.privateKey), ek));
  return {
    sharedKey: kdf(s, dhs),
    associatedData: associatedData(header.identityKey, me.id),
    ratchetKeyPair: { publicKey: signedPrekey.key, privateKey: signedPrekey.privateKey },
    deleteOneTimePrekeyId: header.oneTimePrekeyId,
  };
}
