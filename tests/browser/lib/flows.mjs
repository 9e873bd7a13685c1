// Journeys through the portal that several tests share: creating and enrolling a staff
// account, and logging in with password + TOTP. Each takes an optional `shot` (see
// browser.mjs screenshotter) so a test can record the steps it cares about.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { pathOf, submitForm, waitForPath } from './browser.mjs';
import { readQrCode } from './qr.mjs';
import { cli } from './server.mjs';
import { stepAt, totp, waitForStepAfter } from './totp.mjs';

const noShot = async () => {};

/** A unique staff identity with a strong password (≥ 12 chars and in no common list). */
export function newStaffIdentity(label = 'staff') {
  const id = randomBytes(4).toString('hex');
  return {
    email: `${label}-${id}@amres.test`,
    name: `Test ${label} ${id}`,
    password: `Tcs-${randomBytes(9).toString('base64url')}-pw`,
  };
}

/** `tcs-portal staff create` and the enrolment link it prints. */
export function createStaff({ email, name }) {
  const out = cli(['staff', 'create', '--email', email, '--name', name]);
  const match = out.match(/https?:\/\/\S+\/invite\/[A-Za-z0-9_~.-]+/);
  assert.ok(match, `no enrolment link in the output of staff create:\n${out}`);
  return match[0];
}

/**
 * From an enrolment link to the staff home: set name and password, enrol TOTP, see the
 * recovery codes, continue. Returns { secret, step, recoveryCodes } where `step` is the TOTP
 * step that was spent (a later login must wait for a newer one).
 */
export async function acceptInvitation(page, link, identity, shot = noShot) {
  await page.goto(link);
  await waitForPath(page, '/invite'); // the token moves into the session, out of the URL
  assert.equal(await page.locator('h1').count() > 0, true, 'the invitation page has a heading');
  await shot(page, 'invitation');

  let response = await submitForm(page, {
    display_name: identity.name,
    password: identity.password,
    password_confirm: identity.password,
  });
  assert.ok(response.status() < 400, `setting the password answered ${response.status()}`);
  await waitForPath(page, '/mfa/enrol');
  const secret = (await page.locator('#totp-secret').innerText()).replace(/\s+/g, '');
  assert.match(secret, /^[A-Z2-7]+=*$/i, 'the TOTP secret is shown as base32 text');
  // The QR code must carry the same secret as the text, in the otpauth:// form apps expect.
  const qr = await readQrCode(page.locator('main svg').first());
  assert.ok(qr, 'the enrolment page shows a readable QR code (an inline SVG)');
  const otpauth = new URL(qr);
  assert.equal(otpauth.protocol, 'otpauth:');
  assert.equal(otpauth.host, 'totp');
  assert.equal(otpauth.searchParams.get('secret')?.toUpperCase(), secret.toUpperCase().replace(/=+$/, ''));
  for (const [name, value] of [['algorithm', 'SHA1'], ['digits', '6'], ['period', '30']]) {
    const given = otpauth.searchParams.get(name);
    assert.ok(given === null || given.toUpperCase() === value, `otpauth ${name} is ${value} (got ${given})`);
  }
  await shot(page, 'mfa-enrol');

  const step = stepAt();
  response = await submitForm(page, { code: totp(secret, step) });
  assert.ok(response.status() < 400, `confirming the TOTP code answered ${response.status()}`);
  const codes = page.locator('.recovery-code');
  await codes.first().waitFor();
  const recoveryCodes = await codes.allInnerTexts();
  assert.equal(recoveryCodes.length, 10, 'ten recovery codes are shown');
  assert.equal(new Set(recoveryCodes).size, 10, 'the recovery codes are all different');
  await shot(page, 'recovery-codes');

  await page.locator('#continue').click();
  await waitForPath(page, '/staff');
  await shot(page, 'staff-home');
  return { secret, step, recoveryCodes };
}

/** Password step only: returns the POST /login response; the page is wherever it led. */
export async function submitPassword(page, email, password) {
  await page.goto('/login');
  return submitForm(page, { email, password });
}

/**
 * Full login with password and a TOTP code from a step later than `usedStep`.
 * Returns the step spent.
 */
export async function logIn(page, { email, password }, secret, usedStep, shot = noShot) {
  const response = await submitPassword(page, email, password);
  assert.equal(response.status(), 303, 'a right password answers 303 to the MFA step');
  await waitForPath(page, '/mfa');
  await shot(page, 'mfa');
  const step = await waitForStepAfter(usedStep);
  const mfa = await submitForm(page, { code: totp(secret, step) });
  assert.equal(mfa.status(), 303, `a fresh TOTP code answers 303 (got ${mfa.status()} at ${pathOf(page)})`);
  await waitForPath(page, '/staff');
  return step;
}

/**
 * A new staff account, enrolled in its own browser context and left logged in on the staff
 * home. Returns { identity, secret, step, recoveryCodes, context, page }; close `context`.
 */
export async function enrolledStaff(browser, newUserPage, label, shot = noShot) {
  const identity = newStaffIdentity(label);
  const link = createStaff(identity);
  const { context, page } = await newUserPage(browser);
  const enrolment = await acceptInvitation(page, link, identity, shot);
  return { identity, ...enrolment, context, page };
}

/** Password, then a recovery code at the MFA prompt. Returns the MFA POST's response. */
export async function logInWithRecoveryCode(page, { email, password }, code) {
  const response = await submitPassword(page, email, password);
  assert.equal(response.status(), 303, 'a right password answers 303 to the MFA step');
  await waitForPath(page, '/mfa');
  return submitForm(page, { code });
}
