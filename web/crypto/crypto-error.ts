// The one error type of crypto/: services throw it, callers switch on `code`. Codes are stable
// (tests, the UI and logs match on them); the text is for people and may change.

export class CryptoError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'CryptoError';
  }
}

/** The codes of sessions (X3DH, Double Ratchet), safety numbers and backups, with their text. */
export const CRYPTO_ERROR_CODES = {
  bad_key: 'A public key is malformed or not a usable curve point.',
  bad_bundle: 'The prekey bundle is malformed.',
  bundle_wrong_identity: 'The prekey bundle belongs to someone other than the contact.',
  bad_prekey_signature: "The signed prekey is not signed by the contact's identity key.",
  unknown_signed_prekey: 'The message names a signed prekey this device does not have.',
  unknown_one_time_prekey: 'The message names a one-time prekey this device does not have (used or never made).',
  bad_header: 'The message header is malformed.',
  decrypt_failed: 'The message failed its integrity check.',
  duplicate: 'The key for this message was already used: a replay or a second delivery.',
  no_session: 'There is no session with this contact to read the message in.',
  identity_mismatch: 'The message starts a session for a different identity than its sender.',
  bad_payload: 'The decrypted message is not a valid frame.',
  too_many_skipped: 'The message is further ahead than the number of skipped messages a session keeps.',
  no_sending_chain: 'This side cannot send until it has received the first message.',
  chain_exhausted: 'The sending chain has reached its largest message number.',
  backup_malformed: 'The file is not a Tincan identity backup.',
  backup_unknown_version: 'The backup was made by a newer or unknown version.',
  backup_bad_params: 'The backup asks for key-derivation costs outside the accepted range.',
  backup_wrong_passphrase: 'The passphrase is wrong.',
  backup_tampered: 'The backup was damaged or altered.',
  backup_out_of_memory: 'The device could not give key derivation the memory it needs.',
  backup_failed: 'The backup job could not run.',
} as const;

export type CryptoErrorCode = keyof typeof CRYPTO_ERROR_CODES;

export const cryptoError = (code: CryptoErrorCode): CryptoError => new CryptoError(code, CRYPTO_ERROR_CODES[code]);
