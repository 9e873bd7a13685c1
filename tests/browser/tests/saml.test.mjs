// Issue 15 §3 and §5 in a real browser: `tcs-portal demo` and SimpleSAMLphp started by
// scripts/dev-idp.sh, as the README tells a newcomer:
//   1. staff trust the IdP's metadata by its URL and name it as ETF's IdP;
//   2. ETF's admin, logged in with password and TOTP, links their account to their login at
//      the IdP (the IdP's login page, then back to "My account");
//   3. they log out and log in through the IdP, then give the portal's TOTP code.
// Each step leaves a screenshot in artifacts/screenshots/saml/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, logOut, pathOf, screenshotter, submitForm, waitForPath } from '../lib/browser.mjs';
import { newPageIn } from '../lib/institution.mjs';
import { ETF_ADMIN as ADMIN, IDP_PASSWORD, STAFF, logInDemo, startIdp, totpSeedOf, trustIdpForEtf } from '../lib/saml.mjs';
import { buildBinary, startDemo } from '../lib/server.mjs';
import { totp, waitForStepAfter } from '../lib/totp.mjs';

let browser;
let demo;
let idp;

before(async () => {
  demo = await startDemo(process.env.TCS_TEST_BIN ?? buildBinary());
  idp = await startIdp(demo.baseUrl);
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  idp?.stop();
  await demo?.stop();
});

const logIn = (page, email, usedStep = 0) => logInDemo(page, demo.banner, email, usedStep);

test('an admin links their institution login at SimpleSAMLphp and then logs in through it', { timeout: 300_000 }, async () => {
  const shot = screenshotter('saml');
  const { page } = await newPageIn(browser, 'en-GB', demo.baseUrl);

  await logIn(page, STAFF);
  await trustIdpForEtf(page, idp.metadataUrl);
  await shot(page, 'staff-trusted-the-idp');
  await logOut(page);

  const usedStep = await logIn(page, ADMIN);
  await page.goto('/account/federated');
  await page.locator('#choice').selectOption({ index: 0 });
  await page.locator('form[action="/account/federated"] button[type="submit"]').click();
  await page.waitForURL((url) => url.port !== new URL(demo.baseUrl).port);
  await page.locator('#username').fill('ana.admin');
  await page.locator('#password').fill(IDP_PASSWORD);
  await shot(page, 'idp-login');
  await page.locator('#submit_button').click();
  await waitForPath(page, '/account');
  assert.match(await page.locator('main').innerText(), new RegExp(idp.metadataUrl.replace(/[.?]/g, '\\$&')));
  await shot(page, 'account-linked');
  await logOut(page);

  await page.goto('/login');
  await page.getByRole('link', { name: /Log in with your institution/ }).click();
  await waitForPath(page, '/saml/login');
  await page.locator('#choice').selectOption({ index: 0 });
  await page.locator('form[action="/saml/login"] button[type="submit"]').click();
  // The IdP still has its session from the linking: single sign-on, straight back.
  await waitForPath(page, '/mfa');
  await shot(page, 'back-from-the-idp');
  const step = await waitForStepAfter(usedStep);
  const response = await submitForm(page, { code: totp(totpSeedOf(demo.banner, ADMIN), step) });
  assert.equal(response.status(), 303);
  await page.waitForURL((url) => url.pathname.startsWith('/institutions/'));
  assert.ok(pathOf(page).startsWith('/institutions/'));
  await shot(page, 'logged-in-through-the-idp');
  assert.deepEqual(page.problems, []);
});
