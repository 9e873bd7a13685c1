// Helpers for the institution journey (issue 3): pages in a chosen language, the portal's own
// message catalogues (so assertions use the exact texts the UI shows), valid and invalid
// registration numbers, the invitation mail the server wrote, and an institution admin's
// enrolment from that mail.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BASE_URL, submitForm, waitForPath } from './browser.mjs';
import { REPO_ROOT } from './server.mjs';
import { stepAt, totp } from './totp.mjs';

const noShot = async () => {};

/**
 * Like browser.mjs newUserPage, but with the browser's locale (and so its Accept-Language)
 * chosen: 'sr-RS' or 'en-GB', and optionally another portal than the shared test server. `page.problems` collects page errors and CSP violations.
 */
export async function newPageIn(browser, locale, baseURL = BASE_URL) {
  const context = await browser.newContext({ baseURL, locale, viewport: { width: 1100, height: 800 } });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  page.problems = [];
  page.on('pageerror', (error) => page.problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) {
      page.problems.push(`CSP: ${message.text()}`);
    }
  });
  return { context, page };
}

/**
 * The portal's message catalogue for `lang` ('sr' or 'en') from i18n/<lang>.toml, as a
 * function key → text that throws on an unknown key. The files use only `[section]` headers
 * and `key = "basic string"` lines; anything else is an error rather than a silent miss.
 */
export function catalogue(lang) {
  const path = join(REPO_ROOT, 'i18n', `${lang}.toml`);
  const messages = new Map();
  let section = '';
  readFileSync(path, 'utf8').split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const header = line.match(/^\[([A-Za-z0-9_.]+)\]$/);
    if (header) {
      section = header[1];
      return;
    }
    const entry = line.match(/^([A-Za-z0-9_]+)\s*=\s*("(?:[^"\\]|\\.)*")\s*(?:#.*)?$/);
    if (!entry) throw new Error(`${path}:${index + 1}: cannot read ${JSON.stringify(raw)}`);
    // TOML basic strings use JSON's escapes (\" \\ \n \t \uXXXX) for everything these files need.
    messages.set(section ? `${section}.${entry[1]}` : entry[1], JSON.parse(entry[2]));
  });
  return (key) => {
    if (!messages.has(key)) throw new Error(`no message ${key} in ${path}`);
    return messages.get(key);
  };
}

/** The mod-11 check digit of a matični broj over its first seven digits (weights 8…2). */
export function registrationCheckDigit(firstSeven) {
  assert.match(firstSeven, /^\d{7}$/);
  const sum = [...firstSeven].reduce((acc, digit, i) => acc + Number(digit) * (8 - i), 0);
  const k = 11 - (sum % 11);
  return k > 9 ? 0 : k;
}

/**
 * A random registration number with a right check digit, and the same number with a wrong
 * one. The first digit is never 0, so the two never look like a format problem.
 */
export function registrationNumbers() {
  const firstSeven = String(randomInt(1_000_000, 10_000_000));
  const check = registrationCheckDigit(firstSeven);
  return { valid: `${firstSeven}${check}`, wrongCheck: `${firstSeven}${(check + 1) % 10}` };
}

/**
 * The text of a locator with white space collapsed, after waiting for it to be visible.
 * textContent rather than innerText: the latter applies CSS text-transform (the eyebrow above
 * an institution's name is shown in capitals), and the catalogue texts are compared as written.
 */
export async function textOf(locator) {
  await locator.first().waitFor({ state: 'visible' });
  return ((await locator.first().textContent()) ?? '').replace(/\s+/g, ' ').trim();
}

/**
 * Click the header's language switch (POST /lang) and wait until the page is shown again in
 * that language (`<html lang>`).
 */
export async function switchLanguage(page, lang) {
  const button = page.locator(`form[action="/lang"] button[name="lang"][value="${lang}"]`);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/lang'),
    button.click(),
  ]);
  assert.ok(response.status() < 400, `the language switch answered ${response.status()}`);
  await page.waitForFunction((code) => document.documentElement.lang === code, lang);
  await page.waitForLoadState('domcontentloaded');
}

/** Click a link by its exact href and wait until the browser is at that path. */
export async function followLink(page, href, scope = 'main') {
  await Promise.all([waitForPath(page, href), page.locator(`${scope} a[href="${href}"]`).first().click()]);
  await page.waitForLoadState('domcontentloaded');
}

// --- the invitation mail ------------------------------------------------------------------

/** Split an .eml into lower-cased, unfolded headers and the decoded text body. */
export function parseMail(raw) {
  const text = raw.replace(/\r\n/g, '\n');
  const split = text.indexOf('\n\n');
  const head = split < 0 ? text : text.slice(0, split);
  const body = split < 0 ? '' : text.slice(split + 2);
  const headers = {};
  for (const line of head.replace(/\n[ \t]+/g, ' ').split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const encoding = (headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
  let decoded;
  if (encoding === 'base64') {
    decoded = Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  } else if (encoding === 'quoted-printable') {
    const bytes = body
      .replace(/=\n/g, '') // soft line breaks
      .replace(/=([0-9A-Fa-f]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
    decoded = Buffer.from(bytes, 'latin1').toString('utf8');
  } else {
    decoded = body;
  }
  return { headers, body: decoded };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The newest mail to `recipient` in the file transport's folder, or null. */
function newestMailFile(dir, recipient) {
  const files = readdirSync(dir).filter((f) => f.endsWith('.eml')).sort().reverse(); // named by outbox id
  for (const file of files) {
    const mail = parseMail(readFileSync(join(dir, file), 'utf8'));
    if ((mail.headers.to ?? '').toLowerCase().includes(recipient.toLowerCase())) return { ...mail, source: join(dir, file) };
  }
  return null;
}

/** The newest outbox row to `recipient`, read with psql from the test database, or null. */
function newestOutboxRow(recipient) {
  const run = spawnSync(
    'psql',
    ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-v', `recipient=${recipient}`, '-d', process.env.DATABASE_URL],
    {
      encoding: 'utf8',
      input: "SELECT encode(convert_to(body_text, 'UTF8'), 'base64') FROM outbox WHERE recipient = :'recipient' ORDER BY id DESC LIMIT 1;\n",
    },
  );
  if (run.status !== 0) throw new Error(`psql could not read the outbox: ${run.stderr}`);
  const encoded = run.stdout.replace(/\s+/g, '');
  return encoded ? { headers: {}, body: Buffer.from(encoded, 'base64').toString('utf8'), source: 'outbox' } : null;
}

/**
 * Wait for the invitation mail to `recipient` and return { link, mail }: the single
 * `<public url>/invite/<token>` link in it. The server runs with the file transport into
 * TCS_MAIL_DIR (lib/server.mjs); without it the outbox table is read instead.
 */
export function invitationLinkFromMail(recipient, timeoutMs = 20_000) {
  return linkFromMail(recipient, 'invite', { timeoutMs });
}

/**
 * Wait for a mail to `recipient` carrying one `<public url>/<path>/<token>` link; return
 * { link, mail }. `dir` and `publicUrl` default to the shared test server's.
 */
export async function linkFromMail(
  recipient,
  path,
  { dir = process.env.TCS_MAIL_DIR, publicUrl = process.env.TCS_PUBLIC_URL ?? BASE_URL, timeoutMs = 20_000 } = {},
) {
  const base = publicUrl.replace(/\/+$/, '');
  const deadline = Date.now() + timeoutMs;
  let mail = null;
  while (!mail && Date.now() < deadline) {
    mail = dir ? newestMailFile(dir, recipient) : newestOutboxRow(recipient);
    if (!mail) await sleep(250);
  }
  assert.ok(mail, `no mail to ${recipient} within ${timeoutMs} ms (${dir ? `folder ${dir}` : 'outbox table'})`);
  const escaped = base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const links = [...mail.body.matchAll(new RegExp(`${escaped}/${path}/[A-Za-z0-9_~.-]+`, 'g'))].map((m) => m[0]);
  assert.ok(links.length > 0, `no ${base}/${path}/<token> link in the mail ${mail.source}:\n${mail.body}`);
  assert.equal(new Set(links).size, 1, `the mail carries one ${path} link (got ${[...new Set(links)].join(', ')})`);
  return { link: links[0], mail };
}

// --- an institution admin's enrolment -----------------------------------------------------

/**
 * From an institution invitation link to the institution's dashboard: set name and password,
 * enrol TOTP, see the recovery codes, continue. Returns { secret, step, recoveryCodes }.
 * (flows.mjs acceptInvitation does the same for staff and expects to end at /staff.)
 */
export async function acceptAdminInvitation(page, link, identity, institutionId, shot = noShot) {
  await page.goto(link);
  await waitForPath(page, '/invite'); // the token moves into the session, out of the URL
  await page.locator('form[action="/invite"]').waitFor();
  await shot(page, 'admin-invitation');

  let response = await submitForm(page, {
    display_name: identity.name,
    password: identity.password,
    password_confirm: identity.password,
  });
  assert.ok(response.status() < 400, `setting the password answered ${response.status()}`);
  await waitForPath(page, '/mfa/enrol');
  const secret = (await page.locator('#totp-secret').innerText()).replace(/\s+/g, '');
  assert.match(secret, /^[A-Z2-7]+=*$/i, 'the TOTP secret is shown as base32 text');
  await shot(page, 'admin-mfa-enrol');

  const step = stepAt();
  response = await submitForm(page, { code: totp(secret, step) });
  assert.ok(response.status() < 400, `confirming the TOTP code answered ${response.status()}`);
  const codes = page.locator('.recovery-code');
  await codes.first().waitFor();
  const recoveryCodes = await codes.allInnerTexts();
  assert.equal(recoveryCodes.length, 10, 'ten recovery codes are shown');
  await shot(page, 'admin-recovery-codes');

  await page.locator('#continue').click();
  await waitForPath(page, `/institutions/${institutionId}`);
  await page.waitForLoadState('domcontentloaded');
  return { secret, step, recoveryCodes };
}
