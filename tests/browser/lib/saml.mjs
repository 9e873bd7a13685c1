// Federated login in the browser journeys: `tcs-portal demo` with SimpleSAMLphp started by
// scripts/dev-idp.sh, the demo's logins, and staff trusting the IdP for ETF.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { submitForm, waitForPath } from './browser.mjs';
import { REPO_ROOT, freePort } from './server.mjs';
import { stepAt, totp, waitForStepAfter } from './totp.mjs';

export const DEMO_PASSWORD = 'demo-password-2026';
export const STAFF = 'staff@amres.ac.rs';
export const ETF_ADMIN = 'ana.admin@etf.bg.ac.rs';
/** The password of every user of scripts/dev-idp.sh. */
export const IDP_PASSWORD = 'idp-demo';

/** scripts/dev-idp.sh against the demo; resolves with its metadata URL once it is up. */
export async function startIdp(portalUrl) {
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
  return { child, metadataUrl, stop: () => process.kill(-child.pid, 'SIGINT') };
}

/** The TOTP seed the demo banner prints for `email`. */
export function totpSeedOf(banner, email) {
  const line = banner.split('\n').find((l) => l.trim().startsWith(email));
  return line.match(/TOTP seed ([A-Z2-7 ]+?)\s{2}/)[1].replace(/\s+/g, '');
}

/** Password and TOTP for a demo login; returns the TOTP step spent. */
export async function logInDemo(page, banner, email, usedStep = 0) {
  await page.goto('/login');
  await submitForm(page, { email, password: DEMO_PASSWORD });
  await waitForPath(page, '/mfa');
  const step = usedStep ? await waitForStepAfter(usedStep) : stepAt();
  const response = await submitForm(page, { code: totp(totpSeedOf(banner, email), step) });
  assert.equal(response.status(), 303, 'the TOTP code is accepted');
  return step;
}

/** On /staff/saml (staff logged in): trust the IdP's metadata by URL and name it for ETF. */
export async function trustIdpForEtf(page, metadataUrl) {
  await page.goto('/staff/saml');
  await page.locator('#name').fill('ETF IdP (SimpleSAMLphp)');
  await page.locator('input[name="kind"][value="single"]').check();
  await page.locator('#url').fill(metadataUrl);
  const [added] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST'),
    page.locator('form[action="/staff/saml/sources"] button[type="submit"]').click(),
  ]);
  assert.equal(added.status(), 303, 'the IdP metadata is fetched and trusted');
  await page.waitForLoadState('domcontentloaded');
  const etfRow = page.locator('tr', { has: page.locator('td', { hasText: /^ETF$/ }) });
  await etfRow.locator('textarea').fill(metadataUrl);
  const [named] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST'),
    etfRow.locator('button[type="submit"]').click(),
  ]);
  assert.equal(named.status(), 303, 'the IdP is named as ETF\'s');
  await page.waitForLoadState('domcontentloaded');
}
