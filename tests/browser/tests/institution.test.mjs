// Issue 3's main path in a real browser, once in Serbian and once in English: AMRES staff
// register an institution (and are refused a wrong matični broj check digit), invite its first
// admin; the admin opens the link from the mail, sets a password, enrols TOTP and adds a
// domain under ac.rs (and is refused evil.com).
//
// The staff member's language comes from the header's language switch (their browser asks for
// the other language); the admin's from their browser's locale. Every text the test checks is
// read from i18n/<lang>.toml, so a page in the wrong language fails.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { launchBrowser, pathOf, screenshotter, submitForm, waitForPath } from '../lib/browser.mjs';
import { acceptInvitation, createStaff, logIn, newStaffIdentity } from '../lib/flows.mjs';
import {
  acceptAdminInvitation,
  catalogue,
  followLink,
  invitationLinkFromMail,
  newPageIn,
  registrationNumbers,
  switchLanguage,
  textOf,
} from '../lib/institution.mjs';

const LANGUAGES = [
  { code: 'sr', locale: 'sr-RS', otherLocale: 'en-GB' },
  { code: 'en', locale: 'en-GB', otherLocale: 'sr-RS' },
];

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

describe('institution main path', () => {
  // One staff member for both languages, enrolled exactly as in login.test.mjs.
  const staff = newStaffIdentity('inst-staff');
  let staffSecret;
  let lastStaffStep;
  before(async () => {
    const link = createStaff(staff);
    const { context, page } = await newPageIn(browser, 'en-GB');
    try {
      ({ secret: staffSecret, step: lastStaffStep } = await acceptInvitation(page, link, staff, screenshotter('institution-staff-enrol')));
      assert.deepEqual(page.problems, [], 'no page errors or CSP violations during staff enrolment');
    } finally {
      await context.close();
    }
  });

  for (const { code: lang, locale, otherLocale } of LANGUAGES) {
    test(`[${lang}] staff register an institution and invite its admin; the admin enrols and adds a domain`, async () => {
      const t = catalogue(lang);
      const shot = screenshotter(`institution-${lang}`);
      const id = randomBytes(3).toString('hex');
      const slug = `etf-${lang}-${id}`;
      const institution = {
        slug,
        name_sr: `Elektrotehnički fakultet ${id}`,
        name_en: `School of Electrical Engineering ${id}`,
        short_name: `ETF-${id}`,
      };
      const shownName = lang === 'sr' ? institution.name_sr : institution.name_en;
      const { valid: registration, wrongCheck } = registrationNumbers();
      const domain = `fakultet-${lang}-${id}.ac.rs`;
      const admin = { ...newStaffIdentity('admin'), email: `admin-${id}@${domain}`, name: `Jovana Petrović ${id}` };

      const staffSide = await newPageIn(browser, otherLocale);
      const adminSide = await newPageIn(browser, locale);
      const { page } = staffSide;
      try {
        // 1. Staff log in (password + TOTP), switch the UI language in the header, and register
        //    an institution.
        lastStaffStep = await logIn(page, staff, staffSecret, lastStaffStep);
        await switchLanguage(page, lang);
        assert.equal(pathOf(page), '/staff', 'the language switch leads back to the same page');
        await shot(page, 'staff-home');

        await followLink(page, '/staff/institutions', 'header.site-header nav');
        await shot(page, 'institutions-list');
        const registerLink = page.locator('main a[href="/staff/institutions/new"]');
        assert.equal(await textOf(registerLink), t('institutions.new'));
        await followLink(page, '/staff/institutions/new');
        assert.equal(await textOf(page.locator('main h1')), t('institutions.new'));
        assert.equal(await textOf(page.locator('label[for="registration_number"]')), t('institution.registration_number'));

        await page.locator('#registered').check();
        await shot(page, 'institution-form');
        let response = await submitForm(page, { ...institution, registration_number: registration });
        assert.equal(response.status(), 303, `registering the institution answers 303 (got ${response.status()})`);
        await page.waitForURL((url) => new RegExp(`^/institutions/${UUID}$`).test(url.pathname));
        const institutionId = pathOf(page).split('/').pop();
        const dashboard = `/institutions/${institutionId}`;
        await page.locator('.institution-header h1').waitFor();
        assert.ok((await textOf(page.locator('.institution-header h1'))).includes(shownName), `the dashboard is headed "${shownName}"`);
        assert.equal(await textOf(page.locator('.institution-header .eyebrow')), t('role.staff'));
        assert.equal(await textOf(page.locator('.badge.status-registered')), t('tcs_status.registered'));
        assert.ok((await textOf(page.locator('dl.facts').first())).includes(registration), 'the registration number is shown');
        await shot(page, 'institution-created');

        // 2. Once more with a wrong check digit: the form comes back with the error next to
        //    the registration number, and nothing is created.
        await followLink(page, '/staff/institutions', 'header.site-header nav');
        await followLink(page, '/staff/institutions/new');
        const slug2 = `${slug}-2`;
        response = await submitForm(page, {
          slug: slug2,
          name_sr: `${institution.name_sr} (drugi)`,
          name_en: `${institution.name_en} (second)`,
          short_name: `${institution.short_name}-2`,
          registration_number: wrongCheck,
        });
        assert.equal(response.status(), 422, `a wrong check digit answers 422 (got ${response.status()})`);
        const regField = page.locator('.field:has(#registration_number)');
        const regError = regField.locator('#registration_number-error');
        await regError.waitFor();
        assert.equal(await textOf(regError), t('error.institution.registration_checksum'));
        assert.equal(await page.locator('#registration_number').getAttribute('aria-invalid'), 'true');
        assert.match(await page.locator('#registration_number').getAttribute('aria-describedby'), /registration_number-error/);
        assert.equal(await page.locator('#registration_number').inputValue(), wrongCheck, 'the form keeps what was typed');
        assert.equal(await page.locator('.field-error').count(), 1, 'only the registration number has an error');
        await shot(page, 'registration-number-checksum-error');

        await page.goto(`/staff/institutions?q=${encodeURIComponent(slug2)}`);
        assert.equal(await page.locator(`main a[href^="/institutions/"]`).count(), 0, 'the refused institution was not created');
        assert.ok((await textOf(page.locator('main'))).includes(t('institutions.none')));
        await page.goto(`/staff/institutions?q=${encodeURIComponent(slug)}`);
        assert.equal(await page.locator(`main a[href="${dashboard}"]`).count(), 1, 'the search finds the registered one');
        await shot(page, 'institutions-search');

        // 3. People tab: invite the first admin.
        await followLink(page, dashboard, 'main');
        await followLink(page, `${dashboard}/people`, '.institution-header nav.tabs');
        assert.equal(await textOf(page.locator('main h2').filter({ hasText: t('people.invite_title') })), t('people.invite_title'));
        await page.locator('#role').selectOption('admin');
        response = await submitForm(page, { email: admin.email, display_name: admin.name });
        assert.equal(response.status(), 200, `the invitation answers 200 (got ${response.status()})`);
        const notice = page.locator('main .notice[role="status"]');
        await notice.waitFor();
        assert.equal(await textOf(notice), t('people.invited'));
        assert.ok((await textOf(page.locator('main'))).includes(admin.email), 'the pending invitation is listed');
        await shot(page, 'admin-invited');

        // 4. The invitation link from the mail the server wrote.
        const { link, mail } = await invitationLinkFromMail(admin.email);
        assert.ok(mail.body.includes(institution.name_sr) && mail.body.includes(institution.name_en), 'the mail names the institution in both languages');

        // 5. The admin, in a browser of their own, accepts, enrols TOTP, and lands on the dashboard.
        const adminPage = adminSide.page;
        await acceptAdminInvitation(adminPage, link, admin, institutionId, shot);
        assert.equal(await adminPage.evaluate(() => document.documentElement.lang), lang, `the admin's pages follow the browser locale ${locale}`);
        assert.ok((await textOf(adminPage.locator('.institution-header h1'))).includes(shownName));
        assert.equal(await textOf(adminPage.locator('.institution-header .eyebrow')), t('role.admin'));
        assert.equal(await adminPage.locator(`header.site-header nav a[href="${dashboard}"]`).count(), 1, 'the header links to their institution');
        assert.equal(await adminPage.locator('header.site-header nav a[href="/staff"]').count(), 0, 'an institution admin has no staff menu');
        await shot(adminPage, 'admin-dashboard');

        // 6. Domains tab: fakultet-….ac.rs is added and listed; evil.com is refused.
        await followLink(adminPage, `${dashboard}/domains`, '.institution-header nav.tabs');
        assert.ok((await textOf(adminPage.locator('#name-hint'))).includes('ac.rs'), 'the hint names the allowed suffix');
        await shot(adminPage, 'domains-empty');
        response = await submitForm(adminPage, { name: domain });
        assert.equal(response.status(), 303, `adding ${domain} answers 303 (got ${response.status()})`);
        await waitForPath(adminPage, `${dashboard}/domains`);
        const rows = adminPage.locator('main table tbody tr');
        await rows.first().waitFor();
        assert.equal(await rows.count(), 1);
        assert.ok((await textOf(rows.first())).includes(domain), `${domain} is listed`);
        await shot(adminPage, 'domain-added');

        response = await submitForm(adminPage, { name: 'evil.com' });
        assert.equal(response.status(), 422, `evil.com answers 422 (got ${response.status()})`);
        const nameError = adminPage.locator('.field:has(#name) #name-error');
        await nameError.waitFor();
        assert.equal(await textOf(nameError), t('error.domain.outside_suffixes'));
        assert.equal(await adminPage.locator('#name').getAttribute('aria-invalid'), 'true');
        assert.equal(await adminPage.locator('#name').inputValue(), 'evil.com');
        assert.equal(await rows.count(), 1, 'still only the one domain');
        assert.ok(!(await textOf(adminPage.locator('main table'))).includes('evil.com'), 'evil.com was not added');
        await shot(adminPage, 'domain-refused');

        // The staff side sees the admin as a member now, with TOTP enrolled.
        await page.goto(`${dashboard}/people`);
        const member = page.locator('main table tbody tr', { hasText: admin.email });
        assert.equal(await member.count(), 1, 'the admin is a member of the institution');
        assert.ok((await textOf(member)).includes(t('role.admin')));
        assert.ok(!(await textOf(member)).includes(t('people.no_mfa_yet')), 'the admin has TOTP enrolled');
        await shot(page, 'staff-sees-admin');

        assert.deepEqual(page.problems, [], 'no page errors or CSP violations (staff)');
        assert.deepEqual(adminPage.problems, [], 'no page errors or CSP violations (admin)');
      } finally {
        await staffSide.context.close();
        await adminSide.context.close();
      }
    });
  }
});
