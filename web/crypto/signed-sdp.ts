import { sign, verify, type IdentityKeys } from './identity.ts';
import { signedSdpTranscript } from '../protocol/transcripts.ts';
import { SIGNAL_LIMITS } from '../protocol/limits.ts';
import type { PeerId } from '../protocol/ids.ts';
import type { SignedSdp } from '../protocol/signal-data.ts';

// Offers and answers are signed by the sender's identity key. The SDP carries the DTLS
// certificate fingerprint, so a valid signature ties the encrypted channel to the person.

export async function signSdp(
  me: IdentityKeys,
  to: PeerId,
  fields: { kind: 'offer' | 'answer'; sid: string; sdp: string },
  now = Date.now(),
): Promise<SignedSdp> {
  const ts = Math.floor(now);
  const sig = await sign(me, signedSdpTranscript({ ...fields, from: me.id, to, ts }));
  return { ...fields, ts, sig };
}

export type SdpCheck = 'ok' | 'bad_signature' | 'stale';

/** Checks a signed SDP that the server says came from `from` and was addressed to `me`. */
export async function checkSignedSdp(data: SignedSdp, from: PeerId, me: PeerId, now = Date.now()): Promise<SdpCheck> {
  const transcript = signedSdpTranscript({ kind: data.kind, from, to: me, sid: data.sid, ts: data.ts, sdp: data.sdp });
  if (!(await verify(from, transcript, data.sig))) return 'bad_signature';
  if (Math.abs(now - data.ts) > SIGNAL_LIMITS.maxOfferSkewMs) return 'stale';
  return 'ok';
}
