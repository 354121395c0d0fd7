import type { Pixels } from './qr-decode.ts';

// Reading a QR code from something the browser can draw: a camera frame or a picture file. The
// platform's BarcodeDetector where it reads QR codes (Android, macOS, ChromeOS), jsQR on canvas
// pixels everywhere else. jsQR is loaded on the first such read: its module takes ~170 ms to
// evaluate, which the main screen would otherwise pay on every start.

interface BarcodeDetectorLike {
  detect(source: ImageBitmapSource): Promise<{ rawValue: string }[]>;
}

interface BarcodeDetectorClass {
  new (options: { formats: string[] }): BarcodeDetectorLike;
  getSupportedFormats(): Promise<string[]>;
}

let platformDetector: Promise<BarcodeDetectorLike | null> | undefined;

/** The platform's QR detector, or null: the class may exist without QR support, or not at all. */
function qrDetector(): Promise<BarcodeDetectorLike | null> {
  platformDetector ??= (async () => {
    const Detector = (globalThis as { BarcodeDetector?: BarcodeDetectorClass }).BarcodeDetector;
    if (!Detector) return null;
    try {
      return (await Detector.getSupportedFormats()).includes('qr_code') ? new Detector({ formats: ['qr_code'] }) : null;
    } catch {
      return null;
    }
  })();
  return platformDetector;
}

/** jsQR's time grows with the pixel count: phone photos are scaled down to this longer side first. */
const MAX_SIDE = 1280;

let canvas: OffscreenCanvas | undefined;

function pixelsOf(source: CanvasImageSource, width: number, height: number): Pixels {
  const scale = Math.min(1, MAX_SIDE / Math.max(width, height));
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  canvas ??= new OffscreenCanvas(w, h);
  canvas.width = w;
  canvas.height = h;
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (!context) throw new Error('no 2D canvas context');
  context.drawImage(source, 0, 0, w, h);
  return context.getImageData(0, 0, w, h);
}

/** The text of the QR code in a frame or picture of `width`×`height` pixels, or null. */
export async function readQr(source: CanvasImageSource & ImageBitmapSource, width: number, height: number): Promise<string | null> {
  const detector = await qrDetector();
  if (detector) {
    try {
      return (await detector.detect(source))[0]?.rawValue || null;
    } catch {
      // The platform could not read this source: jsQR can still try.
    }
  }
  const { decodeQrPixels } = await import('./qr-decode.ts');
  return decodeQrPixels(pixelsOf(source, width, height));
}

export type QrFileError = 'not_an_image' | 'no_qr_code';

/** The text of the QR code in an uploaded picture, or why there is none. */
export async function readQrFile(file: Blob): Promise<{ text: string } | { error: QrFileError }> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    return { error: 'not_an_image' };
  }
  try {
    const text = await readQr(bitmap, bitmap.width, bitmap.height);
    return text ? { text } : { error: 'no_qr_code' };
  } finally {
    bitmap.close();
  }
}
