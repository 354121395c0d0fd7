import * as v from 'valibot';
import { isRandomId, isSignature } from './ids.ts';
import { SIGNAL_LIMITS } from './limits.ts';

// What one peer sends another through the server to set up WebRTC. The server checks the shape
// and sizes only; the receiving peer checks the signatures (web/crypto/signed-sdp.ts), because
// the server is not trusted to.

const SessionId = v.custom<string>(isRandomId, 'sid must be a 128-bit base64url ID');
const Signature = v.custom<string>(isSignature, 'sig must be an Ed25519 signature in base64url');
const Sdp = v.pipe(v.string(), v.minLength(1), v.maxLength(SIGNAL_LIMITS.maxSdpLength));
const Timestamp = v.pipe(v.number(), v.integer(), v.minValue(0));

/** An SDP offer or answer, signed by the sender's identity key over signedSdpTranscript(). */
export const SignedSdpSchema = v.object({
  kind: v.picklist(['offer', 'answer']),
  sid: SessionId,
  ts: Timestamp,
  sdp: Sdp,
  sig: Signature,
});

export const CandidateSchema = v.object({
  kind: v.literal('candidate'),
  sid: SessionId,
  candidate: v.pipe(v.string(), v.maxLength(SIGNAL_LIMITS.maxCandidateLength)),
  sdpMid: v.nullable(v.pipe(v.string(), v.maxLength(SIGNAL_LIMITS.maxSdpMidLength))),
  sdpMLineIndex: v.nullable(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(64))),
});

/** The sender gave up on a session (closed the tab's link, timed out); the receiver drops it too. */
export const HangupSchema = v.object({ kind: v.literal('hangup'), sid: SessionId });

/**
 * "Please restart ICE on this session": only the initiator makes offers, so the answering side
 * asks when its path broke. Unsigned like a hangup: a forged one costs one ICE restart, nothing
 * more (the new offer and answer are signed).
 */
export const RestartSchema = v.object({ kind: v.literal('restart'), sid: SessionId });

export const SignalDataSchema = v.variant('kind', [SignedSdpSchema, CandidateSchema, HangupSchema, RestartSchema]);

export type SignedSdp = v.InferOutput<typeof SignedSdpSchema>;
export type SignalCandidate = v.InferOutput<typeof CandidateSchema>;
export type SignalData = v.InferOutput<typeof SignalDataSchema>;
