// The TOTP helper against the RFC 6238 appendix B vectors (SHA-1), so a failing login test
// can never be blamed on the test's own arithmetic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { base32Decode, hotp, stepAt, totp } from '../lib/totp.mjs';

// The RFC's SHA-1 seed is the ASCII string "12345678901234567890".
const RFC_SECRET_BASE32 = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

test('base32 decoding gives back the RFC 6238 seed', () => {
  assert.equal(base32Decode(RFC_SECRET_BASE32).toString('ascii'), '12345678901234567890');
  assert.equal(base32Decode('gezd gnbv-gy3t qojq====').toString('ascii'), '1234567890');
});

test('TOTP matches the RFC 6238 SHA-1 test vectors', () => {
  const vectors = [
    [59, '94287082'],
    [1111111109, '07081804'],
    [1111111111, '14050471'],
    [1234567890, '89005924'],
    [2000000000, '69279037'],
    [20000000000, '65353130'],
  ];
  for (const [seconds, expected] of vectors) {
    const step = stepAt(seconds * 1000);
    assert.equal(totp(RFC_SECRET_BASE32, step, 8), expected, `T=${seconds}`);
    // Six digits are the last six of the eight-digit value.
    assert.equal(totp(RFC_SECRET_BASE32, step), expected.slice(2), `T=${seconds}, 6 digits`);
  }
});

test('HOTP matches the RFC 4226 appendix D vectors', () => {
  const key = Buffer.from('12345678901234567890', 'ascii');
  const expected = ['755224', '287082', '359152', '969429', '338314'];
  expected.forEach((code, counter) => assert.equal(hotp(key, counter), code));
});
