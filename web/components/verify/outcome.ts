import type { SafetyQrCheck } from '../../crypto/safety-number.ts';
import type { CameraErrorCode } from './qr-camera.ts';
import type { QrFileError } from './qr-image.ts';

// What the verification dialog says after a scan, an upload or a button. Codes in, words out:
// the components switch on codes, and the wording lives here in one place.

export type VerifyOutcome = SafetyQrCheck | QrFileError | CameraErrorCode | 'marked' | 'unmarked';

export interface OutcomeText {
  /** Good news is a status; everything else is an alert. */
  ok: boolean;
  text: string;
}

export function describeOutcome(outcome: VerifyOutcome, name: string): OutcomeText {
  switch (outcome) {
    case 'match':
      return { ok: true, text: `The codes match: you and ${name} have each other's keys. ${name} is now verified.` };
    case 'marked':
      return { ok: true, text: `${name} is marked as verified.` };
    case 'unmarked':
      return { ok: true, text: `${name} is no longer marked as verified.` };
    case 'mismatch':
      return {
        ok: false,
        text:
          `The safety numbers do not match. Someone may be intercepting your conversation with ${name}, or the code ` +
          `belongs to another conversation. Check that ${name} opened this conversation, and do not mark them verified ` +
          `until the numbers match.`,
      };
    case 'unknown_version':
      return { ok: false, text: 'This code was made by another version of Tincan and cannot be compared here. Compare the numbers aloud instead.' };
    case 'malformed':
      return { ok: false, text: `That is not a Tincan safety code. Scan the code in ${name}'s "Verify safety number" window.` };
    case 'not_an_image':
      return { ok: false, text: 'That file is not a picture Tincan can open.' };
    case 'no_qr_code':
      return { ok: false, text: 'No QR code was found in that picture. Try a sharper picture, closer to the code.' };
    case 'camera_unsupported':
      return { ok: false, text: 'This browser offers no camera here. Upload a picture of the code instead, or compare the numbers aloud.' };
    case 'camera_denied':
      return { ok: false, text: "Tincan may not use the camera. Allow it in the browser's site settings, or upload a picture of the code instead." };
    case 'camera_missing':
      return { ok: false, text: 'No camera was found. Upload a picture of the code instead, or compare the numbers aloud.' };
    case 'camera_failed':
      return { ok: false, text: 'The camera could not be used. Upload a picture of the code instead, or compare the numbers aloud.' };
  }
}
