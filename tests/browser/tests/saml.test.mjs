// Issue 15 §3 and §5 in a real browser: `tcs-portal demo` and SimpleSAMLphp started by
// scripts/dev-idp.sh, as the README tells a newcomer:
//   1. staff trust the IdP's metadata by its URL and name it as ETF's IdP;
//   2. ETF's admin, logged in with password and TOTP, links their account to their login at
//      the IdP (the IdP's login page, then back to "My account");
//   3. they log out and log in through the IdP, then give the portal's TOTP code.
// Each step leaves a screenshot in artifacts/screenshots/saml/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { launchBrowser, logOut, pathOf, screenshotter, submitForm, waitForPath } from '../lib/browser.mjs';
import { newPageIn } from '../lib/institution.mjs';
import { REPO_ROOT, buildBinary, freePort, startDemo } from '../lib/server.mjs';
import { stepAt, totp, waitForStepAfter } from '../lib/totp.mjs';

const DEMO_PASSWORD = 'demo-password-2026';
const STAFF = 'staff@amres.ac.rs';
const ADMIN = 'ana.admin@etf.bg.ac.rs';

let browser;
let demo;
let idp;

/** scripts/dev-idp.sh against the demo; resolves with its metadata URL once it is up. */
async function startIdp(portalUrl) {
  const port = await freePort();
  const child = spawn('bash', ['scripts/dev-idp.sh', portalUrl, String(port)], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const deadline = Date.now() + 240_000;
  while (!output.includes('Stop with Ctrl-C.')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`dev-idp.sh did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const metadataUrl = output.match(/IdP metadata \(its URL is also its entityID\): (\S+)/)[1];
  return { child, metadataUrl };
}

before(async () => {
  demo = await startDemo(process.env.TCS_TEST_BIN ?? buildBinary());
  idp = await startIdp(demo.baseUrl);
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  if (idp) process.kill(-idp.child.pid, 'SIGINT');
  await demo?.stop();
});

function totpSeedOf(email) {
  const line = demo.banner.split('\n').find((l) => l.trim().startsWith(email));
  return line.match(/TOTP seed ([A-Z2-7 ]+?)\s{2}/)[1].replace(/\s+/g, '');
}

async function logIn(page, email, usedStep = 0) {
  await page.goto('/login');
  await submitForm(page, { email, password: DEMO_PASSWORD });
  await waitForPath(page, '/mfa');
  const step = usedStep ? await waitForStepAfter(usedStep) : stepAt();
  const response = await submitForm(page, { code: totp(totpSeedOf(email), step) });
  assert.equal(response.status(), 303, 'the TOTP code is accepted');
  return step;
}

test('an admin links their institution login at SimpleSAMLphp and then logs in through it', { timeout: 300_000 }, async () => {
  const shot = screenshotter('saml');
  const { page } = await newPageIn(browser, 'en-GB', demo.baseUrl);

  await logIn(page, STAFF);
  await page.goto('/staff/saml');
  await page.locator('#name').fill('ETF IdP (SimpleSAMLphp)');
  await page.locator('input[name="kind"][value="single"]').check();
  await page.locator('#url').fill(idp.metadataUrl);
  const [added] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST'),
    page.locator('form[action="/staff/saml/sources"] button[type="submit"]').click(),
  ]);
  assert.equal(added.status(), 303, 'the IdP metadata is fetched and trusted');
  await page.waitForLoadState('domcontentloaded');
  const etfRow = page.locator('tr', { has: page.locator('td', { hasText: /^ETF$/ }) });
  await etfRow.locator('textarea').fill(idp.metadataUrl);
  const [named] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST'),
    etfRow.locator('button[type="submit"]').click(),
  ]);
  assert.equal(named.status(), 303, 'the IdP is named as ETF\'s');
  await page.waitForLoadState('domcontentloaded');
  await shot(page, 'staff-trusted-the-idp');
  await logOut(page);

  const usedStep = await logIn(page, ADMIN);
  await page.goto('/account/federated');
  await page.locator('#choice').selectOption({ index: 0 });
  await page.locator('form[action="/account/federated"] button[type="submit"]').click();
  await page.waitForURL((url) => url.port !== new URL(demo.baseUrl).port);
  await page.locator('#username').fill('ana.admin');
  await page.locator('#password').fill('idp-demo');
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
  const response = await submitForm(page, { code: totp(totpSeedOf(ADMIN), step) });
  assert.equal(response.status(), 303);
  await page.waitForURL((url) => url.pathname.startsWith('/institutions/'));
  assert.ok(pathOf(page).startsWith('/institutions/'));
  await shot(page, 'logged-in-through-the-idp');
  assert.deepEqual(page.problems, []);
});
