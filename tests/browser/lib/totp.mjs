// RFC 6238 TOTP (HMAC-SHA1, 6 digits, 30-second steps), the parameters the portal uses,
// written out here so the tests compute codes exactly as an authenticator app would.
import { createHmac } from 'node:crypto';

export const STEP_SECONDS = 30;
const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Decode RFC 4648 base32, ignoring case, spaces, dashes and '=' padding. */
export function base32Decode(text) {
  const clean = text.toUpperCase().replace(/[\s=-]/g, '');
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of clean) {
    const index = BASE32_ALPHABET.indexOf(ch);
    if (index < 0) throw new Error(`not a base32 character: ${JSON.stringify(ch)}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >>> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

/** The time step (RFC 6238 "T") that a Unix time in milliseconds falls in. */
export function stepAt(unixMillis = Date.now()) {
  return Math.floor(unixMillis / 1000 / STEP_SECONDS);
}

/** RFC 4226 HOTP over a raw key: dynamic truncation of HMAC-SHA1(key, counter). */
export function hotp(key, counter, digits = 6) {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', key).update(message).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const binary = (mac.readUInt32BE(offset) & 0x7fffffff) % 10 ** digits;
  return String(binary).padStart(digits, '0');
}

/** The TOTP code for a base32 secret at a given step (default: now). */
export function totp(secretBase32, step = stepAt(), digits = 6) {
  return hotp(base32Decode(secretBase32), step, digits);
}

/**
 * Wait until the clock is in a step later than `usedStep`, then return that step.
 * The portal refuses a code from a step it has already accepted (replay protection),
 * so a second MFA for the same account must wait for a fresh step.
 */
export async function waitForStepAfter(usedStep) {
  const target = (usedStep + 1) * STEP_SECONDS * 1000 + 250; // a little past the boundary
  const delay = target - Date.now();
  if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
  return stepAt();
}
