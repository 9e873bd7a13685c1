// Debian's Chromium under playwright-core: launching it, pages that record what went wrong,
// screenshots, and small form helpers shared by every journey.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { ARTIFACTS } from './server.mjs';

const CHROMIUM = process.env.TCS_CHROMIUM ?? '/usr/bin/chromium';

// This machine has no network but the package registries: without the background-networking
// flags Chromium keeps trying to reach Google's hosts. --no-sandbox because CI runs as root.
// playwright-core's launch() gives each browser a new empty --user-data-dir of its own.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const BASE_URL = process.env.TCS_TEST_BASE_URL ?? 'http://localhost:8080';

export function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/**
 * A new browser context (its own cookie jar, i.e. its own user) and one page in it.
 * `page.problems` collects page errors and CSP violations; journeys assert it stays empty.
 */
export async function newUserPage(browser) {
  const context = await browser.newContext({ baseURL: BASE_URL, locale: 'en-GB', viewport: { width: 1100, height: 800 } });
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
 * Screenshots go to artifacts/screenshots/<journey>/NN-<step>.png (git-ignored), numbered in
 * the order they were taken, so a failed run can be read as a comic strip.
 */
export function screenshotter(journey) {
  const dir = join(ARTIFACTS, 'screenshots', journey);
  mkdirSync(dir, { recursive: true });
  let n = 0;
  return async (page, step) => {
    n += 1;
    const path = join(dir, `${String(n).padStart(2, '0')}-${step}.png`);
    await page.screenshot({ path, fullPage: true });
    return path;
  };
}

export const pathOf = (page) => new URL(page.url()).pathname;

/** Wait until the page's path is exactly `path`. */
export function waitForPath(page, path) {
  return page.waitForURL((url) => url.pathname === path);
}

/**
 * Fill the fields of the form that contains the first field named, submit it with its own
 * submit button (never the logout button in the header), and return the POST's response.
 */
export async function submitForm(page, fields) {
  const names = Object.keys(fields);
  const form = page.locator(`form:has([name="${names[0]}"])`).first();
  for (const [name, value] of Object.entries(fields)) {
    await form.locator(`[name="${name}"]`).fill(value);
  }
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && r.request().frame() === page.mainFrame()),
    form.locator('button[type="submit"]').first().click(),
  ]);
  await page.waitForLoadState('domcontentloaded');
  return response;
}

/** Click the logout button in the page header. */
export async function logOut(page) {
  await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/logout'),
    page.locator('form[action="/logout"] button[type="submit"]').first().click(),
  ]);
  await page.waitForLoadState('domcontentloaded');
}
