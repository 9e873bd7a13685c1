// Issue 6's journey in a real browser, against `tcs-portal demo` exactly as the README starts
// it (its own database, its in-process DigiCert sandbox, seeded institutions and logins):
//   1. the ETF admin logs in with password and TOTP and orders a certificate for a colleague
//      whose name is written in Cyrillic (the preview shows the ASCII spelling);
//   2. the test opens the mail the portal wrote for the colleague;
//   3. the colleague follows the link, confirms the mailbox, has a key made and sees the
//      passphrase once;
//   4. the sandbox issues the certificate (the portal's own pipeline submits and follows it);
//   5. the colleague types the passphrase and downloads the PKCS#12;
//   6. the test opens the downloaded file with openssl and reads the colleague's address in it;
//   7. the admin orders the same product for the same mailbox again: the preview warns, with
//      a link to the live certificate.
// Each step leaves a screenshot in artifacts/screenshots/journey/ (the passphrase page, a
// wrong passphrase told once, the success state after pickup, the duplicate-order warning).
// A second test shows the TCS preconditions (issue 5) refusing orders on the form, each with
// its own message; a third opens every install guide in both languages
// (artifacts/screenshots/guides/).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { launchBrowser, pathOf, screenshotter, submitForm, waitForPath } from '../lib/browser.mjs';
import { catalogue, linkFromMail, newPageIn, textOf } from '../lib/institution.mjs';
import { downloadPkcs12, makeKey } from '../lib/person.mjs';
import { ARTIFACTS, buildBinary, startDemo } from '../lib/server.mjs';
import { stepAt, totp } from '../lib/totp.mjs';

const DEMO_PASSWORD = 'demo-password-2026';
const ADMIN = 'ana.admin@etf.bg.ac.rs';
// pmf-ns: one domain whose validation expired; vts-ni: suspended.
const PMF_ADMIN = 'boris.admin@pmf.uns.ac.rs';
const VTS_ADMIN = 'cica.admin@vtsnis.edu.rs';
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

/** Password, then a TOTP code from the banner's seed; returns the institution id landed on. */
async function logInAdmin(page, email) {
  await page.goto('/login');
  let response = await submitForm(page, { email, password: DEMO_PASSWORD });
  assert.equal(response.status(), 303, 'the demo password is accepted');
  await waitForPath(page, '/mfa');
  response = await submitForm(page, { code: totp(totpSeedOf(demo.banner, email), stepAt()) });
  assert.equal(response.status(), 303, 'the TOTP code from the banner seed is accepted');
  await page.waitForURL((url) => url.pathname.startsWith('/institutions/'));
  return pathOf(page).split('/')[2];
}

/** Fill the order form for `mailbox` and ask for the preview; returns the POST's response. */
async function orderFor(page, institution, mailbox) {
  await page.goto(`/institutions/${institution}/orders/new`);
  await page.locator('#product-client_premium').check();
  await page.locator('#emails').fill(mailbox);
  await page.locator('#given_name').fill('Јелена');
  await page.locator('#surname').fill('Јовановић');
  await page.locator('#validity-1').check();
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST'),
    page.locator('button[name="step"][value="preview"]').click(),
  ]);
  await page.waitForLoadState('domcontentloaded');
  return response;
}

test('an admin orders, the person collects a working PKCS#12 from the mailed link', { timeout: 300_000 }, async () => {
  const shot = screenshotter('journey');
  const id = randomBytes(3).toString('hex');
  const mailbox = `jelena.${id}@etf.bg.ac.rs`;

  // 1. The admin logs in (password, then TOTP) and orders.
  const admin = await newPageIn(browser, 'en-GB', demo.baseUrl);
  const { page } = admin;
  const institution = await logInAdmin(page, ADMIN);
  await shot(page, 'admin-dashboard');

  assert.equal((await orderFor(page, institution, mailbox)).status(), 200, 'the preview is shown');
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
  const [confirmed] = await Promise.all([
    p.waitForResponse((r) => r.request().method() === 'POST'),
    p.locator('form[action="/enroll/confirm"] button[type="submit"]').click(),
  ]);
  assert.ok(confirmed.status() < 400, `confirming the mailbox answered ${confirmed.status()}`);
  const passphrase = await makeKey(p, shot);

  // 4. The pipeline takes the order to the sandbox, which issues it; the status page
  //    refreshes itself until the pickup form appears.
  await p.locator('form[action="/enroll/pickup"]').waitFor({ timeout: ISSUANCE_TIMEOUT_MS });
  await shot(p, 'person-issued');

  // 5. A wrong passphrase is told once (a redirect: a reload posts nothing), then the right one.
  await p.locator('#passphrase').fill('AAAAA-BBBBB-CCCCC-DDDDD-EEEEE');
  await Promise.all([
    p.waitForResponse((r) => r.request().method() === 'POST'),
    p.locator('form[action="/enroll/pickup"] button[type="submit"]').click(),
  ]);
  await waitForPath(p, '/enroll');
  await p.locator('section .alert').waitFor();
  await shot(p, 'person-wrong-passphrase');
  await p.reload();
  assert.equal(await p.locator('section .alert').count(), 0, 'the error is not shown again after a reload');
  const saved = await downloadPkcs12(p, passphrase, join(ARTIFACTS, 'screenshots', 'journey'));
  assert.ok((await textOf(p.locator('.picked-up .filename'))).endsWith('.p12'), 'the page names the file');
  assert.equal(await p.locator('section .alert').count(), 0, 'no earlier error on the success page');
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

  // 7. Ordering the same product for the same mailbox again: the preview warns.
  assert.equal((await orderFor(page, institution, mailbox)).status(), 200, 'the second preview is shown');
  const warning = page.locator('.duplicate-warning');
  await warning.waitFor();
  const live = await warning.locator('a').getAttribute('href');
  assert.match(live, new RegExp(`^/institutions/${institution}/orders/[0-9a-f-]{36}$`), 'the warning links the live order');
  await shot(page, 'duplicate-order-warning');

  await admin.context.close();
  await person.context.close();
});

test('every install guide reads step by step in both languages', { timeout: 60_000 }, async () => {
  const shot = screenshotter('guides');
  const guides = ['thunderbird', 'outlook', 'apple-mail', 'ios', 'gmail'];
  for (const locale of ['sr-RS', 'en-GB']) {
    const { context, page } = await newPageIn(browser, locale, demo.baseUrl);
    await page.goto('/guides');
    const linked = await page.locator('.guide-links a').evaluateAll((links) => links.map((a) => a.getAttribute('href')));
    assert.deepEqual(linked, guides.map((g) => `/guides/${g}`), 'the index lists every guide');
    for (const guide of guides) {
      const response = await page.goto(`/guides/${guide}`);
      assert.equal(response.status(), 200, `/guides/${guide}`);
      assert.ok((await page.locator('.guide-steps li').count()) >= 3, `${guide} has steps`);
      await shot(page, `${guide}-${locale.slice(0, 2)}`);
    }
    assert.deepEqual(page.problems, [], 'no page errors or CSP violations');
    await context.close();
  }
});

test('the TCS preconditions refuse orders on the form, each with its own message', { timeout: 120_000 }, async () => {
  const t = catalogue('en');
  const shot = screenshotter('preconditions');
  // One login per admin: a TOTP code is accepted once.
  const cases = [
    {
      admin: PMF_ADMIN,
      refusals: [
        { mailbox: 'marko@dmi.uns.ac.rs', expected: ['precondition.domain_not_validated'] },
        { mailbox: 'marko@gmail.com', expected: ['precondition.email_outside_domains'] },
      ],
    },
  ];
  for (const { admin, refusals } of cases) {
    const { context, page } = await newPageIn(browser, 'en-GB', demo.baseUrl);
    const institution = await logInAdmin(page, admin);
    for (const { mailbox, expected } of refusals) {
      const response = await orderFor(page, institution, mailbox);
      assert.equal(response.status(), 422, `ordering for ${mailbox} is refused`);
      const shown = await page.locator('.alert li').allTextContents();
      for (const key of expected) {
        assert.ok(
          shown.some((text) => text.replace(/\s+/g, ' ').includes(t(key))),
          `${admin} ordering for ${mailbox} is told "${t(key)}" (shown: ${JSON.stringify(shown)})`,
        );
      }
      assert.equal(await page.locator('.preview-ascii').count(), 0, 'no preview of a refused order');
      await shot(page, mailbox.replace(/[^a-z0-9]+/g, '-'));
    }
    assert.deepEqual(page.problems, [], 'no page errors or CSP violations');
    await context.close();
  }

  // A suspended institution's admin does not even get the form.
  const { context, page } = await newPageIn(browser, 'en-GB', demo.baseUrl);
  const institution = await logInAdmin(page, VTS_ADMIN);
  const response = await page.goto(`/institutions/${institution}/orders/new`);
  assert.equal(response.status(), 403, 'the order form of a suspended institution is refused');
  assert.ok(
    (await textOf(page.locator('main'))).includes(t('error.page.institution_suspended')),
    'the refusal says the institution is suspended',
  );
  assert.equal(await page.locator('#product-client_premium').count(), 0, 'no order form is shown');
  await shot(page, 'suspended-institution');
  await context.close();
});
