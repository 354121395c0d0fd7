import { readQr } from './qr-image.ts';

// Scanning with the camera: the stream plays in a <video> the user aims with, and its frames are
// read a few times a second until one holds a QR code.

export type CameraErrorCode = 'camera_unsupported' | 'camera_denied' | 'camera_missing' | 'camera_failed';

export class CameraError extends Error {
  constructor(readonly code: CameraErrorCode) {
    super(`camera: ${code}`);
    this.name = 'CameraError';
  }
}

/** Pause between reads: a code held up is found within a fraction of a second, and jsQR leaves the page responsive. */
const SCAN_INTERVAL_MS = 150;

function cameraErrorCode(error: unknown): CameraErrorCode {
  const name = error instanceof DOMException ? error.name : '';
  if (name === 'NotAllowedError' || name === 'SecurityError') return 'camera_denied';
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'camera_missing';
  return 'camera_failed';
}

export interface ScanHandlers {
  /** A frame held a QR code with this text; the camera is released already. */
  onCode(text: string): void;
  /** Reading frames failed after the camera started; the camera is released already. */
  onError(error: CameraError): void;
}

/**
 * Shows the camera in `video` and reads its frames until one holds a QR code. Resolves to a
 * function that stops scanning early; rejects with a CameraError when there is no camera to use.
 */
export async function scanQrWithCamera(video: HTMLVideoElement, handlers: ScanHandlers): Promise<() => void> {
  // getUserMedia exists only in secure contexts (https or localhost).
  if (!navigator.mediaDevices?.getUserMedia) throw new CameraError('camera_unsupported');
  let stream: MediaStream;
  try {
    // The back camera on a phone: the one that points at the other person's screen.
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
  } catch (error) {
    throw new CameraError(cameraErrorCode(error));
  }
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stop = (): void => {
    stopped = true;
    clearTimeout(timer);
    for (const track of stream.getTracks()) track.stop();
    video.srcObject = null;
  };
  const readFrame = async (): Promise<void> => {
    if (stopped) return;
    let text: string | null = null;
    try {
      const ready = video.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA && video.videoWidth > 0;
      if (ready) text = await readQr(video, video.videoWidth, video.videoHeight);
    } catch (error) {
      console.error('reading a camera frame failed', error);
      if (!stopped) {
        stop();
        handlers.onError(new CameraError('camera_failed'));
      }
      return;
    }
    if (stopped) return;
    if (text) {
      stop();
      handlers.onCode(text);
    } else {
      timer = setTimeout(() => void readFrame(), SCAN_INTERVAL_MS);
    }
  };
  video.srcObject = stream;
  try {
    await video.play();
  } catch (error) {
    stop();
    throw new CameraError(cameraErrorCode(error));
  }
  void readFrame();
  return stop;
}
