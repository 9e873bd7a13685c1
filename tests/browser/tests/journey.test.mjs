// Issue 6's journey in a real browser, against `tcs-portal demo` exactly as the README starts
// it (its own database, its in-process DigiCert sandbox, seeded institutions and logins):
//   1. the ETF admin logs in with password and TOTP and orders a certificate for a colleague
//      whose name is written in Cyrillic (the preview shows the ASCII spelling);
//   2. the test opens the mail the portal wrote for the colleague;
//   3. the colleague follows the link, confirms the mailbox, has a key made and sees the
//      passphrase once;
//   4. the sandbox issues the certificate (the portal's own pipeline submits and follows it);
//   5. the colleague types the passphrase and downloads the PKCS#12;
//   6. the test opens the downloaded file with openssl and reads the colleague's address in it.
// Each step leaves a screenshot in artifacts/screenshots/journey/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { launchBrowser, pathOf, screenshotter, submitForm, waitForPath } from '../lib/browser.mjs';
import { linkFromMail, newPageIn, textOf } from '../lib/institution.mjs';
import { ARTIFACTS, buildBinary, startDemo } from '../lib/server.mjs';
import { stepAt, totp } from '../lib/totp.mjs';

const DEMO_PASSWORD = 'demo-password-2026';
const ADMIN = 'ana.admin@etf.bg.ac.rs';
// The pipeline polls DigiCert with back-off; issuance in the sandbox is automatic.
const ISSUANCE_TIMEOUT_MS = 150_000;

let browser;
let demo;
before(async () => {
  demo = await startDemo(process.env.TCS_TEST_BIN ?? buildBinary());
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  const code = await demo?.stop();
  assert.equal(code, 0, 'the demo stops cleanly on SIGTERM');
});

/** The TOTP seed the demo banner prints for `email`. */
function totpSeedOf(banner, email) {
  const line = banner.split('\n').find((l) => l.trim().startsWith(email));
  assert.ok(line, `the demo banner lists ${email}`);
  const seed = line.match(/TOTP seed ([A-Z2-7 ]+?)\s{2}/);
  assert.ok(seed, `the banner shows a TOTP seed for ${email}: ${line}`);
  return seed[1].replace(/\s+/g, '');
}

test('an admin orders, the person collects a working PKCS#12 from the mailed link', { timeout: 300_000 }, async () => {
  const shot = screenshotter('journey');
  const id = randomBytes(3).toString('hex');
  const mailbox = `jelena.${id}@etf.bg.ac.rs`;

  // 1. The admin logs in (password, then TOTP) and orders.
  const admin = await newPageIn(browser, 'en-GB', demo.baseUrl);
  const { page } = admin;
  await page.goto('/login');
  let response = await submitForm(page, { email: ADMIN, password: DEMO_PASSWORD });
  assert.equal(response.status(), 303, 'the demo password is accepted');
  await waitForPath(page, '/mfa');
  response = await submitForm(page, { code: totp(totpSeedOf(demo.banner, ADMIN), stepAt()) });
  assert.equal(response.status(), 303, 'the TOTP code from the banner seed is accepted');
  await page.waitForURL((url) => url.pathname.startsWith('/institutions/'));
  const institution = pathOf(page).split('/')[2];
  await shot(page, 'admin-dashboard');

  await page.goto(`/institutions/${institution}/orders/new`);
  await page.locator('#product-client_premium').check();
  await page.locator('#emails').fill(mailbox);
  await page.locator('#given_name').fill('Јелена');
  await page.locator('#surname').fill('Јовановић');
  await page.locator('#validity-1').check();
  await shot(page, 'order-form');
  await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST'),
    page.locator('button[name="step"][value="preview"]').click(),
  ]);
  await page.waitForLoadState('domcontentloaded');
  assert.equal(await textOf(page.locator('.preview-ascii')), 'Jelena Jovanovic', 'the preview shows the ASCII spelling');
  assert.ok((await page.content()).includes(mailbox), 'the preview names the address');
  await shot(page, 'order-preview');
  const [placed] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST'),
    page.locator('button[name="step"][value="place"]').click(),
  ]);
  assert.ok(placed.status() < 400, `placing the order answered ${placed.status()}`);
  await page.waitForURL(new RegExp(`/institutions/${institution}/orders/[0-9a-f-]{36}$`));
  await shot(page, 'order-placed');
  assert.deepEqual(page.problems, [], 'no page errors or CSP violations on the admin side');

  // 2. The mail to the person, written by the demo's file transport.
  const { link } = await linkFromMail(mailbox, 'enroll', { dir: demo.mailDir, publicUrl: demo.baseUrl });

  // 3. The person confirms the mailbox and has a key made.
  const person = await newPageIn(browser, 'sr-RS', demo.baseUrl);
  const p = person.page;
  await p.goto(link);
  await waitForPath(p, '/enroll'); // the token moves into the session, out of the URL
  await shot(p, 'person-confirm');
  [response] = await Promise.all([
    p.waitForResponse((r) => r.request().method() === 'POST'),
    p.locator('form[action="/enroll/confirm"] button[type="submit"]').click(),
  ]);
  assert.ok(response.status() < 400, `confirming the mailbox answered ${response.status()}`);
  await p.locator('form[action="/enroll/key"]').waitFor();
  await shot(p, 'person-choose-key');
  await Promise.all([
    p.waitForResponse((r) => r.request().method() === 'POST'),
    p.locator('form[action="/enroll/key"] button[type="submit"]').click(),
  ]);
  const passphrase = (await p.locator('#passphrase').innerText()).trim();
  assert.ok(passphrase.length >= 20, `a long passphrase is shown (${passphrase.length} characters)`);
  await shot(p, 'person-passphrase');
  await p.locator('main a.button[href="/enroll"]').click();
  await waitForPath(p, '/enroll');

  // 4. The pipeline takes the order to the sandbox, which issues it; the status page
  //    refreshes itself until the pickup form appears.
  await p.locator('form[action="/enroll/pickup"]').waitFor({ timeout: ISSUANCE_TIMEOUT_MS });
  await shot(p, 'person-issued');

  // 5. Pickup with the passphrase.
  await p.locator('#passphrase').fill(passphrase);
  const [download] = await Promise.all([
    p.waitForEvent('download'),
    p.locator('form[action="/enroll/pickup"] button[type="submit"]').click(),
  ]);
  assert.match(download.suggestedFilename(), /\.p12$/, 'the file is offered as a .p12');
  const saved = join(ARTIFACTS, 'screenshots', 'journey', download.suggestedFilename());
  await download.saveAs(saved);
  await shot(p, 'person-downloaded');
  assert.deepEqual(p.problems, [], 'no page errors or CSP violations on the person side');

  // 6. openssl opens it with the passphrase and finds the person's certificate and its key.
  const info = spawnSync('openssl', ['pkcs12', '-in', saved, '-passin', `pass:${passphrase}`, '-nodes', '-info'], {
    encoding: 'utf8',
  });
  assert.equal(info.status, 0, `openssl pkcs12 opens the file with the passphrase:\n${info.stderr}`);
  assert.match(info.stderr, /PBKDF2/, 'the PKCS#12 uses PBKDF2');
  assert.match(info.stdout, /PRIVATE KEY/, 'the PKCS#12 holds the private key');
  const leaf = spawnSync('openssl', ['x509', '-noout', '-ext', 'subjectAltName'], { input: info.stdout, encoding: 'utf8' });
  assert.ok(leaf.stdout.includes(mailbox), `the certificate names ${mailbox}:\n${leaf.stdout}`);
  const wrong = spawnSync('openssl', ['pkcs12', '-in', saved, '-passin', 'pass:wrong', '-nokeys', '-noout'], { encoding: 'utf8' });
  assert.notEqual(wrong.status, 0, 'a wrong passphrase does not open the file');

  await admin.context.close();
  await person.context.close();
});
