// Issue 14's "API access" page in a real browser: staff invite an institution's admin, who
// enrols, opens "API access" from the institution's tabs, is refused a token without a scope,
// makes one (shown once), and sees only its prefix afterwards; then the API reference page.
// Screenshots of each for people to look at.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { launchBrowser, screenshotter, submitForm } from '../lib/browser.mjs';
import { enrolledStaff, newStaffIdentity } from '../lib/flows.mjs';
import {
  acceptAdminInvitation,
  catalogue,
  followLink,
  invitationLinkFromMail,
  newPageIn,
  registrationNumbers,
  textOf,
} from '../lib/institution.mjs';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

function psql(sql) {
  const run = spawnSync('psql', ['-X', '-q', '-t', '-A', '-v', 'ON_ERROR_STOP=1', '-d', process.env.DATABASE_URL, '-c', sql], {
    encoding: 'utf8',
  });
  assert.equal(run.status, 0, `psql failed: ${run.stderr}`);
  return run.stdout.trim();
}

describe('API access', () => {
  test('an admin makes a token, sees it once, then only its prefix; the API reference is readable', async () => {
    const t = catalogue('en');
    const shot = screenshotter('api-tokens');
    const id = randomBytes(3).toString('hex');
    const { valid } = registrationNumbers();
    const institution = psql(
      `INSERT INTO institutions (slug, name_sr, name_en, short_name, registration_number, tcs_status)
       VALUES ('api-${id}', 'Fakultet ${id}', 'Faculty ${id}', 'API-${id}', '${valid}', 'registered')
       RETURNING id`,
    );
    const dashboard = `/institutions/${institution}`;
    const admin = { ...newStaffIdentity('admin'), email: `admin-${id}@api-${id}.ac.rs`, name: `Ana Admin ${id}` };

    const staff = await enrolledStaff(browser, (b) => newPageIn(b, 'en-GB'), 'api-staff');
    const adminSide = await newPageIn(browser, 'en-GB');
    const { page } = adminSide;
    try {
      await staff.page.goto(`${dashboard}/people`);
      await staff.page.locator('#role').selectOption('admin');
      const invited = await submitForm(staff.page, { email: admin.email, display_name: admin.name });
      assert.equal(invited.status(), 200);
      const { link } = await invitationLinkFromMail(admin.email);
      await acceptAdminInvitation(page, link, admin, institution);

      await followLink(page, `${dashboard}/api-tokens`, '.institution-header nav.tabs');
      assert.equal(await textOf(page.locator('main h2')), t('api_tokens.title'));
      await shot(page, 'empty');

      // No scope ticked: refused, with the message by the boxes, and the name kept.
      let response = await submitForm(page, { name: 'IDM', expires_in_days: '30' });
      assert.equal(response.status(), 422);
      assert.equal(await textOf(page.locator('#scope-error')), t('api_tokens.error.no_scope'));
      assert.equal(await page.locator('#name').inputValue(), 'IDM');
      await shot(page, 'no-scope');

      await page.locator('input[name="scope"][value="orders:read"]').check();
      await page.locator('input[name="scope"][value="orders:write"]').check();
      await page.locator('#networks').fill('192.0.2.0/24');
      [response] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST'),
        page.locator('form.token-form button[type="submit"]').click(),
      ]);
      assert.equal(response.status(), 200);
      const token = await page.locator('#issued-token').inputValue();
      assert.match(token, /^tcs_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
      assert.ok(!page.url().includes(token), 'the token is not in the URL');
      await shot(page, 'issued');

      await page.goto(`${dashboard}/api-tokens`);
      const main = await textOf(page.locator('main'));
      assert.ok(!main.includes(token), 'the token is never shown again');
      assert.ok(main.includes(`${token.slice(0, 16)}_…`), 'its prefix is listed');
      assert.ok(main.includes(t('api_tokens.state.active')));
      await shot(page, 'listed');

      await followLink(page, '/api/docs');
      assert.ok((await page.locator('section.api-operation').count()) >= 5, 'every operation has a section');
      assert.ok((await textOf(page.locator('main'))).includes('curl -X POST'));
      await shot(page, 'api-docs');
      assert.deepEqual(page.problems, [], 'no page errors or CSP violations');
    } finally {
      await adminSide.context.close();
      await staff.context.close();
    }
  });
});
