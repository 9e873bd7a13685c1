// Issue 15 §2 and §5 in a real browser: `tcs-portal demo` and SimpleSAMLphp started by
// scripts/dev-idp.sh:
//   1. staff trust the IdP and name it as ETF's; ETF's admin switches self-service on for
//      staff, Secure Email strict, with the IdP's mail as the proof of the mailbox;
//   2. a person without an account goes from the login page to "Log in with your
//      institution", finds ETF, logs in at SimpleSAMLphp and lands on "My certificates";
//   3. they request a certificate, have a key made, the sandbox issues it, and they pick up
//      the PKCS#12;
//   4. OpenSSL and NSS (pk12util) open it with the passphrase and find their address.
// Each step leaves a screenshot in artifacts/screenshots/selfservice/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser, logOut, screenshotter, waitForPath } from '../lib/browser.mjs';
import { newPageIn } from '../lib/institution.mjs';
import { downloadPkcs12, makeKey } from '../lib/person.mjs';
import { ETF_ADMIN, IDP_PASSWORD, STAFF, logInDemo, startIdp, trustIdpForEtf } from '../lib/saml.mjs';
import { ARTIFACTS, buildBinary, startDemo } from '../lib/server.mjs';

const PERSON = 'petar@etf.bg.ac.rs';
// The pipeline polls DigiCert with back-off; issuance in the sandbox is automatic.
const ISSUANCE_TIMEOUT_MS = 150_000;

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

test('a person logs in with their institution, requests a certificate and collects it', { timeout: 420_000 }, async () => {
  const shot = screenshotter('selfservice');
  const admin = await newPageIn(browser, 'en-GB', demo.baseUrl);
  const page = admin.page;

  // 1. Staff trust the IdP; ETF's admin sets the policy.
  const usedStep = await logInDemo(page, demo.banner, STAFF);
  await trustIdpForEtf(page, idp.metadataUrl);
  await logOut(page);
  await logInDemo(page, demo.banner, ETF_ADMIN, usedStep);
  await page.waitForURL((url) => url.pathname.startsWith('/institutions/'));
  await page.locator('a', { hasText: 'Self-service' }).first().click();
  await page.locator('#enabled').check();
  await page.locator('input[name="affiliation.staff"]').check();
  await page.locator('#proof-idp').check();
  await shot(page, 'admin-policy');
  const [saved] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST'),
    page.locator('main form button[type="submit"]').last().click(),
  ]);
  assert.equal(saved.status(), 303, 'the policy is saved');
  await page.waitForLoadState('domcontentloaded');
  await shot(page, 'admin-policy-saved');
  assert.deepEqual(page.problems, [], 'no page errors or CSP violations on the admin side');

  // 2. The person: from the login page to their IdP and back.
  const person = await newPageIn(browser, 'sr-RS', demo.baseUrl);
  const p = person.page;
  await p.goto('/login');
  await p.locator('a[href="/self-service"]').click();
  await waitForPath(p, '/self-service');
  await p.locator('#q').fill('elektrotehnicki');
  await p.locator('form[role="search"] button[type="submit"]').click();
  await p.waitForLoadState('domcontentloaded');
  assert.equal(await p.locator('#choice option').count(), 1, 'the search finds ETF only');
  await shot(p, 'choose-etf');
  await p.locator('form[action="/self-service/login"] button[type="submit"]').click();
  await p.waitForURL((url) => url.port !== new URL(demo.baseUrl).port);
  await p.locator('#username').fill('petar');
  await p.locator('#password').fill(IDP_PASSWORD);
  await shot(p, 'idp-login');
  await p.locator('#submit_button').click();
  await waitForPath(p, '/self-service/certificates');
  assert.match(await p.locator('main').innerText(), new RegExp(PERSON));
  await shot(p, 'my-certificates');

  // 3. Request, key, issuance, pickup.
  await Promise.all([
    p.waitForResponse((r) => r.request().method() === 'POST'),
    p.locator('form[action="/self-service/certificates"] button[type="submit"]').click(),
  ]);
  await waitForPath(p, '/enroll');
  const passphrase = await makeKey(p, shot);
  await p.locator('form[action="/enroll/pickup"]').waitFor({ timeout: ISSUANCE_TIMEOUT_MS });
  await shot(p, 'issued');
  const dir = join(ARTIFACTS, 'screenshots', 'selfservice');
  const file = await downloadPkcs12(p, passphrase, dir);
  await shot(p, 'picked-up');
  assert.deepEqual(p.problems, [], 'no page errors or CSP violations on the person side');

  // 4. OpenSSL and NSS open the file with the passphrase.
  const info = spawnSync('openssl', ['pkcs12', '-in', file, '-passin', `pass:${passphrase}`, '-nodes', '-info'], {
    encoding: 'utf8',
  });
  assert.equal(info.status, 0, `openssl pkcs12 opens the file:\n${info.stderr}`);
  assert.match(info.stdout, /PRIVATE KEY/, 'the PKCS#12 holds the private key');
  const leaf = spawnSync('openssl', ['x509', '-noout', '-ext', 'subjectAltName'], { input: info.stdout, encoding: 'utf8' });
  assert.ok(leaf.stdout.includes(PERSON), `the certificate names ${PERSON}:\n${leaf.stdout}`);
  const nssDb = mkdtempSync(join(tmpdir(), 'tcs-nss-'));
  try {
    const created = spawnSync('certutil', ['-N', '-d', `sql:${nssDb}`, '--empty-password'], { encoding: 'utf8' });
    assert.equal(created.status, 0, `certutil makes an NSS database:\n${created.stderr}`);
    const imported = spawnSync('pk12util', ['-i', file, '-d', `sql:${nssDb}`, '-W', passphrase], { encoding: 'utf8' });
    assert.equal(imported.status, 0, `pk12util imports the file:\n${imported.stdout}${imported.stderr}`);
    const listed = spawnSync('certutil', ['-L', '-d', `sql:${nssDb}`], { encoding: 'utf8' });
    assert.match(listed.stdout, /u,u,u/, 'NSS holds the certificate with its key');
  } finally {
    rmSync(nssDb, { recursive: true, force: true });
  }

  await admin.context.close();
  await person.context.close();
});
