// The dashboards of issue 16 in a real browser: an institution with half a year of orders
// (seeded straight into the database, as the demo does), then the staff overview and the
// institution's dashboard, each with its server-drawn SVG charts and no script or CSP
// problem; screenshots of both for people to look at.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { launchBrowser, screenshotter } from '../lib/browser.mjs';
import { enrolledStaff } from '../lib/flows.mjs';
import { newPageIn, registrationNumbers, textOf } from '../lib/institution.mjs';

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

/** A registered institution with `count` orders over the last 180 days; returns its id. */
function institutionWithHistory(count) {
  const id = randomBytes(3).toString('hex');
  const { valid } = registrationNumbers();
  const institution = psql(
    `INSERT INTO institutions (slug, name_sr, name_en, short_name, registration_number, tcs_status,
                               org_validation_status, org_validated_until)
     VALUES ('dash-${id}', 'Fakultet ${id}', 'Faculty ${id}', 'DASH-${id}', '${valid}', 'registered',
             'validated', now() + interval '45 days')
     RETURNING id`,
  );
  psql(
    `INSERT INTO certificate_orders (institution_id, status, common_name, product, created_at, updated_at, not_after)
     SELECT '${institution}', (ARRAY['issued','issued','issued','failed','canceled','revoked'])[1 + n % 6],
            'Osoba ' || n,
            (ARRAY['secure_email_sponsor','client_premium','client_email_security_plus'])[1 + n % 3],
            now() - (n % 180) * interval '1 day', now() - (n % 180) * interval '1 day',
            CASE WHEN n % 6 IN (0, 1, 2, 5) THEN now() + (n % 360) * interval '1 day' END
     FROM generate_series(1, ${count}) AS n`,
  );
  return institution;
}

describe('dashboards', () => {
  test('staff see the overview and an institution dashboard drawn as charts', async () => {
    const shot = screenshotter('dashboards');
    const institution = institutionWithHistory(300);
    const staff = await enrolledStaff(browser, (b) => newPageIn(b, 'en-GB'), 'dash-staff');
    const { page, context } = staff;
    try {
      await page.goto('/staff');
      assert.ok((await page.locator('svg.chart').count()) >= 3, 'the overview draws its charts');
      assert.ok(Number(await textOf(page.locator('#live'))) > 0, 'live certificates are counted');
      assert.ok((await page.locator('svg.chart title').first().textContent()).length > 0);
      await shot(page, 'staff-overview');

      await page.goto(`/staff?sort=month`);
      assert.equal(await page.locator(`#institutions a[href="/institutions/${institution}"]`).count(), 1);

      await page.goto(`/institutions/${institution}`);
      assert.equal(await page.locator('svg.chart').count(), 4, 'orders ×2, endings, validations');
      await shot(page, 'institution-dashboard');
      assert.deepEqual(page.problems, [], 'no page errors or CSP violations');
    } finally {
      await context.close();
    }
  });
});
