// Staff accounts in a real browser: enrolment from an invitation, mandatory TOTP, logout,
// login with password + TOTP, and the ways in that must stay shut.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, logOut, newUserPage, pathOf, screenshotter, submitForm, waitForPath } from '../lib/browser.mjs';
import { acceptInvitation, createStaff, logIn, newStaffIdentity, submitPassword } from '../lib/flows.mjs';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

describe('staff login', () => {
  test('a new staff member enrols TOTP, logs out, and logs back in with password and TOTP', async () => {
    const shot = screenshotter('staff-enrol-and-login');
    const identity = newStaffIdentity('journey');
    const link = createStaff(identity);
    const { context, page } = await newUserPage(browser);
    try {
      const { secret, step } = await acceptInvitation(page, link, identity, shot);

      const cookies = await context.cookies();
      const session = cookies.find((c) => c.name === '__Host-tcs_session');
      assert.ok(session, `a __Host-tcs_session cookie is set (got ${cookies.map((c) => c.name).join(', ')})`);
      assert.equal(session.secure, true, 'the session cookie is Secure');
      assert.equal(session.httpOnly, true, 'the session cookie is HttpOnly');
      assert.equal(session.sameSite, 'Lax', 'the session cookie is SameSite=Lax');
      assert.equal(session.path, '/', 'the session cookie is for the whole site');

      await logOut(page);
      await shot(page, 'logged-out');
      await page.goto('/staff');
      await waitForPath(page, '/login'); // logging out really ended the session
      await shot(page, 'login');

      await logIn(page, identity, secret, step, shot);
      await page.locator('h1').first().waitFor();
      await shot(page, 'staff-home-after-login');
      assert.deepEqual(page.problems, [], 'no page errors or CSP violations');
    } finally {
      await context.close();
    }
  });

  test('the enrolment link works only once', async () => {
    const identity = newStaffIdentity('once');
    const link = createStaff(identity);
    const first = await newUserPage(browser);
    try {
      await acceptInvitation(first.page, link, identity);
    } finally {
      await first.context.close();
    }
    const { context, page } = await newUserPage(browser);
    try {
      const response = await page.goto(link);
      let status = response.status();
      if (status < 400 && pathOf(page) === '/invite') {
        // The token may only be checked when the form is sent.
        status = (await submitForm(page, {
          display_name: 'Someone Else',
          password: 'An0ther-long-passphrase',
          password_confirm: 'An0ther-long-passphrase',
        })).status();
      }
      assert.ok(status >= 400 && status < 500, `a used invitation answers 4xx, got ${status}`);
      await screenshotter('used-invitation')(page, 'refused');
      assert.notEqual(pathOf(page), '/mfa/enrol', 'a used invitation does not lead to MFA enrolment');
    } finally {
      await context.close();
    }
  });
});

describe('refused logins', () => {
  let identity;
  before(async () => {
    identity = newStaffIdentity('refused');
    const link = createStaff(identity);
    const { context, page } = await newUserPage(browser);
    try {
      await acceptInvitation(page, link, identity);
    } finally {
      await context.close();
    }
  });

  test('a wrong password shows an error and stays on the login page', async () => {
    const shot = screenshotter('wrong-password');
    const { context, page } = await newUserPage(browser);
    try {
      const response = await submitPassword(page, identity.email, `${identity.password}-wrong`);
      assert.ok(response.status() >= 400 && response.status() < 500, `answered ${response.status()}`);
      assert.equal(pathOf(page), '/login');
      await shot(page, 'error');
      await assertLoginError(page);
      await page.goto('/staff');
      await waitForPath(page, '/login'); // and it did not log anyone in
    } finally {
      await context.close();
    }
  });

  test('an unknown e-mail gets the same answer as a wrong password', async () => {
    const { context, page } = await newUserPage(browser);
    try {
      const wrong = await submitPassword(page, identity.email, 'Not-the-right-password-1');
      const wrongText = await errorText(page);
      const unknown = await submitPassword(page, 'nobody-here@amres.test', 'Not-the-right-password-1');
      assert.equal(unknown.status(), wrong.status(), 'same status for unknown e-mail and wrong password');
      assert.equal(pathOf(page), '/login');
      assert.equal(await errorText(page), wrongText, 'same message for unknown e-mail and wrong password');
      await screenshotter('unknown-email')(page, 'error');
    } finally {
      await context.close();
    }
  });
});

describe('no session', () => {
  for (const path of ['/staff', '/staff/audit', '/account', '/mfa/enrol']) {
    test(`GET ${path} without a session leads to the login page`, async () => {
      const { context, page } = await newUserPage(browser);
      try {
        await page.goto(path);
        await waitForPath(page, '/login');
        assert.ok(await page.locator('input[name="email"]').isVisible(), 'the login form is shown');
      } finally {
        await context.close();
      }
    });
  }
});

/** The login page's error message: an alert, or an error tied to a field. */
const ERROR_SELECTOR = '[role="alert"], .error, .errors, .field-error, .flash-error, [aria-invalid="true"] ~ .error';

async function errorText(page) {
  const errors = page.locator(ERROR_SELECTOR);
  return (await errors.allInnerTexts()).join(' | ').trim();
}

async function assertLoginError(page) {
  const text = await errorText(page);
  assert.ok(text.length > 0, `the login page shows an error message (looked for ${ERROR_SELECTOR})`);
  assert.ok(await page.locator('input[name="email"]').isVisible(), 'the login form is shown again');
}
