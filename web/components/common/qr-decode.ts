import jsQR from 'jsqr';

// Reading a QR code out of pixels, with no browser API: the fallback where BarcodeDetector is
// missing (desktop Linux and Windows Chromium, Firefox, Safari), and testable in Node.

/** RGBA pixels, 4 bytes each, row by row: what a canvas's getImageData returns. */
export interface Pixels {
  data: Uint8ClampedArray;
  width: number;
  height: number;
}

/** The text of the QR code in the picture, or null when none can be read. */
export function decodeQrPixels(image: Pixels): string | null {
  if (image.width <= 0 || image.height <= 0 || image.data.length !== image.width * image.height * 4) return null;
  // Both polarities: a code photographed off a dark-mode screen may be light on dark.
  return jsQR(image.data, image.width, image.height, { inversionAttempts: 'attemptBoth' })?.data || null;
}
