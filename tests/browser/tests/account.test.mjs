// What a logged-in staff member does with their own account: recovery codes, password
// change (which ends their other sessions), the audit log, and the language switch.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, logOut, newUserPage, pathOf, screenshotter, submitForm, waitForPath } from '../lib/browser.mjs';
import { enrolledStaff, logInWithRecoveryCode, submitPassword } from '../lib/flows.mjs';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

test('a recovery code stands in for the TOTP code, once', async () => {
  const shot = screenshotter('recovery-code-login');
  const staff = await enrolledStaff(browser, newUserPage, 'recovery');
  try {
    const { page, identity, recoveryCodes } = staff;
    await logOut(page);
    let response = await logInWithRecoveryCode(page, identity, recoveryCodes[0]);
    assert.equal(response.status(), 303, 'a recovery code completes the login');
    await waitForPath(page, '/staff');
    await shot(page, 'logged-in');

    await logOut(page);
    response = await logInWithRecoveryCode(page, identity, recoveryCodes[0]);
    assert.ok(response.status() >= 400 && response.status() < 500, `a used recovery code answers 4xx, got ${response.status()}`);
    assert.equal(pathOf(page), '/mfa', 'a used recovery code leaves the visitor at the MFA prompt');
    await shot(page, 'used-code-refused');
    await page.goto('/staff');
    await waitForPath(page, '/mfa'); // still only half logged in: nothing but the MFA step
  } finally {
    await staff.context.close();
  }
});

test('changing the password ends the other sessions; only the new password works', async () => {
  const shot = screenshotter('password-change');
  const staff = await enrolledStaff(browser, newUserPage, 'passwd');
  const other = await newUserPage(browser);
  try {
    const { page, identity, recoveryCodes } = staff;
    // A second session of the same person, e.g. on another computer.
    await logInWithRecoveryCode(other.page, identity, recoveryCodes[0]);
    await waitForPath(other.page, '/staff');

    await page.goto('/account');
    await shot(page, 'account');
    const newPassword = `${identity.password}-new`;
    const response = await submitForm(page, {
      current_password: identity.password,
      new_password: newPassword,
      new_password_confirm: newPassword,
    });
    assert.equal(response.status(), 200);
    assert.ok(await page.locator('.notice[role="status"]').isVisible(), 'the account page confirms the change');
    await shot(page, 'changed');
    await page.goto('/staff');
    await waitForPath(page, '/staff'); // the session that changed the password lives on

    await other.page.goto('/staff');
    await waitForPath(other.page, '/login'); // the other one is over

    const old = await submitPassword(other.page, identity.email, identity.password);
    assert.equal(old.status(), 401, 'the old password no longer works');
    const fresh = await logInWithRecoveryCode(other.page, { ...identity, password: newPassword }, recoveryCodes[1]);
    assert.equal(fresh.status(), 303, 'the new password (and a recovery code) logs in');
    await waitForPath(other.page, '/staff');
  } finally {
    await other.context.close();
    await staff.context.close();
  }
});

test('regenerated recovery codes replace the old ones', async () => {
  const staff = await enrolledStaff(browser, newUserPage, 'regen');
  try {
    const { page, identity, recoveryCodes } = staff;
    await page.goto('/account');
    await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/account/recovery-codes'),
      page.locator('form[action="/account/recovery-codes"] button[type="submit"]').click(),
    ]);
    const fresh = await page.locator('.recovery-code').allInnerTexts();
    assert.equal(fresh.length, 10, 'ten new codes are shown');
    assert.ok(fresh.every((code) => !recoveryCodes.includes(code)), 'the new codes are all new');
    await screenshotter('recovery-codes-regenerated')(page, 'new-codes');

    await logOut(page);
    const old = await logInWithRecoveryCode(page, identity, recoveryCodes[0]);
    assert.ok(old.status() >= 400 && old.status() < 500, `an old code is refused, got ${old.status()}`);
    const now = await submitForm(page, { code: fresh[0] });
    assert.equal(now.status(), 303, 'a new code works');
    await waitForPath(page, '/staff');
  } finally {
    await staff.context.close();
  }
});

test('staff find their own enrolment and login in the audit log', async () => {
  const staff = await enrolledStaff(browser, newUserPage, 'audit');
  try {
    const { page, identity, recoveryCodes } = staff;
    await logOut(page);
    await logInWithRecoveryCode(page, identity, recoveryCodes[0]);
    await waitForPath(page, '/staff');
    await page.goto('/staff/audit');
    const table = page.locator('table.audit');
    await table.waitFor();
    const text = await table.innerText();
    for (const action of ['invitation.accepted', 'mfa.enrolled', 'logout', 'login.succeeded']) {
      assert.ok(text.includes(action), `the audit log shows ${action}`);
    }
    await screenshotter('audit-log')(page, 'table');
  } finally {
    await staff.context.close();
  }
});

test('the language switch turns the pages into Serbian and back', async () => {
  const { context, page } = await newUserPage(browser);
  try {
    await page.goto('/login');
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    const english = await page.locator('h1').innerText();
    await page.locator('form[action="/lang"] button[value="sr"]').click();
    await page.waitForFunction(() => document.documentElement.lang === 'sr');
    const serbian = await page.locator('h1').innerText();
    assert.notEqual(serbian, english, 'the heading is translated');
    await screenshotter('language')(page, 'login-sr');
    await page.goto('/login'); // the choice is kept for the session
    assert.equal(await page.locator('html').getAttribute('lang'), 'sr');
    await page.locator('form[action="/lang"] button[value="en"]').click();
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    assert.equal(await page.locator('h1').innerText(), english);
  } finally {
    await context.close();
  }
});
