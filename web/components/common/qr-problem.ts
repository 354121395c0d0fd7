import type { CameraErrorCode } from './qr-camera.ts';
import type { QrFileError } from './qr-image.ts';

// What to say when a QR code could not be read (QrScanner's problems), wherever one is scanned.

export type QrProblem = CameraErrorCode | QrFileError;

/**
 * The problem in plain words. `otherwise` is what the person can do instead of scanning on this
 * screen, as the end of a sentence (e.g. "compare the numbers aloud").
 */
export function describeQrProblem(problem: QrProblem, otherwise: string): string {
  switch (problem) {
    case 'not_an_image':
      return 'That file is not a picture Tincan can open.';
    case 'no_qr_code':
      return 'No QR code was found in that picture. Try a sharper picture, closer to the code.';
    case 'camera_unsupported':
      return `This browser offers no camera here. Upload a picture of the code instead, or ${otherwise}.`;
    case 'camera_denied':
      return "Tincan may not use the camera. Allow it in the browser's site settings, or upload a picture of the code instead.";
    case 'camera_missing':
      return `No camera was found. Upload a picture of the code instead, or ${otherwise}.`;
    case 'camera_failed':
      return `The camera could not be used. Upload a picture of the code instead, or ${otherwise}.`;
  }
}
