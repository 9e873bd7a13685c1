// Read the QR code a page shows, the way a phone would: screenshot the element and decode the
// pixels (pngjs + jsQR, both pure JavaScript).
import jsQR from 'jsqr';
import { PNG } from 'pngjs';

/** The text encoded in the QR code shown by `locator` (e.g. an inline <svg>), or null. */
export async function readQrCode(locator) {
  const png = PNG.sync.read(await locator.screenshot({ type: 'png' }));
  const decoded = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
  return decoded ? decoded.data : null;
}
