import { sodium } from './sodium.ts';
import { CryptoError } from './crypto-error.ts';
import type { IdentityKeys } from './identity.ts';
import { buildEnvelope, ENVELOPE_V1_BOX, NONCE_BYTES, parseEnvelope } from '../protocol/envelope.ts';
import { fromUtf8, utf8 } from '../protocol/encoding.ts';
import { peerIdToBytes, type PeerId } from '../protocol/ids.ts';
import { MESSAGE_LIMITS } from '../protocol/limits.ts';
import { parseSealedPayload, type PeerFrame } from '../protocol/peer-frames.ts';

// The interface the rest of the app encrypts through: seal a peer frame for one contact, open an
// envelope from one contact. Behind it, for now, is crypto_box (X25519 from the Ed25519 identity
// keys + XSalsa20-Poly1305); the Double Ratchet replaces it without changing callers.

// Re-exported while web/net/transport.ts still imports it from here; new code imports
// crypto-error.ts.
export { CryptoError };

export class PeerCipher {
  /** X25519 shared keys per contact; computing one costs a scalar multiplication. */
  private readonly sharedKeys = new Map<PeerId, Uint8Array>();

  constructor(private readonly me: IdentityKeys) {}

  private async sharedKey(peer: PeerId): Promise<Uint8Array> {
    const cached = this.sharedKeys.get(peer);
    if (cached) return cached;
    const s = await sodium();
    const edPublic = peerIdToBytes(peer);
    if (!edPublic) throw new CryptoError('bad_peer_id', 'Not a peer ID.');
    let key: Uint8Array;
    try {
      const theirX = s.crypto_sign_ed25519_pk_to_curve25519(edPublic);
      const myX = s.crypto_sign_ed25519_sk_to_curve25519(this.me.secretKey);
      key = s.crypto_box_beforenm(theirX, myX);
    } catch {
      throw new CryptoError('bad_peer_key', 'The contact key is not a valid public key.');
    }
    this.sharedKeys.set(peer, key);
    return key;
  }

  async seal(to: PeerId, frame: PeerFrame): Promise<Uint8Array> {
    const s = await sodium();
    const key = await this.sharedKey(to);
    const nonce = s.randombytes_buf(NONCE_BYTES);
    const plaintext = utf8(JSON.stringify({ from: this.me.id, to, f: frame }));
    return buildEnvelope(ENVELOPE_V1_BOX, nonce, s.crypto_box_easy_afternm(plaintext, nonce, key));
  }

  /** Opens an envelope from `from`. Throws CryptoError for anything that does not verify. */
  async open(from: PeerId, envelope: Uint8Array): Promise<PeerFrame> {
    const s = await sodium();
    const parts = parseEnvelope(envelope, MESSAGE_LIMITS.maxEnvelopeBytes);
    if (typeof parts === 'string') throw new CryptoError(parts, 'The envelope is malformed.');
    const key = await this.sharedKey(from);
    let plaintext: Uint8Array;
    try {
      plaintext = s.crypto_box_open_easy_afternm(parts.ciphertext, parts.nonce, key);
    } catch {
      throw new CryptoError('decrypt_failed', 'The message failed its integrity check.');
    }
    const text = fromUtf8(plaintext);
    const payload = text === null ? null : parseSealedPayload(text);
    if (!payload) throw new CryptoError('bad_payload', 'The decrypted message is not a valid frame.');
    if (payload.from !== from || payload.to !== this.me.id) {
      throw new CryptoError('misaddressed', 'The message names a different sender or recipient.');
    }
    return payload.f;
  }
}
