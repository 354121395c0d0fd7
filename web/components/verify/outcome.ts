import type { SafetyQrCheck } from '../../crypto/safety-number.ts';
import { describeQrProblem, type QrProblem } from '../common/qr-problem.ts';

// What the verification dialog says after a scan, an upload or a button. Codes in, words out:
// the components switch on codes, and the wording lives here in one place.

export type VerifyOutcome = SafetyQrCheck | QrProblem | 'marked' | 'unmarked';

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
    default:
      return { ok: false, text: describeQrProblem(outcome, 'compare the numbers aloud') };
  }
}
