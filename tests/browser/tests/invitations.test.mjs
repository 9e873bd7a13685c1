// Someone who already has an account is invited into a second institution (issue 11): the
// inviting side sees the same answer as for anyone and only the address it typed; the person
// follows the mail's link, is sent to log in, finds the invitation right after the second
// factor on "Invitations for you", accepts it, and only then is a member.
//
// The person's browser speaks Serbian (the portal's default), staff's English; every text
// checked is read from i18n/<lang>.toml.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { launchBrowser, logOut, pathOf, screenshotter, submitForm, waitForPath } from '../lib/browser.mjs';
import { acceptInvitation, createStaff, newStaffIdentity, submitPassword } from '../lib/flows.mjs';
import {
  acceptAdminInvitation,
  catalogue,
  invitationLinkFromMail,
  newPageIn,
  registrationNumbers,
  textOf,
} from '../lib/institution.mjs';
import { totp, waitForStepAfter } from '../lib/totp.mjs';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

/** Staff register an institution through the form; returns its id. */
async function registerInstitution(page, label, id) {
  await page.goto('/staff/institutions/new');
  const response = await submitForm(page, {
    slug: `${label}-${id}`,
    name_sr: `${label.toUpperCase()} ustanova ${id}`,
    name_en: `${label.toUpperCase()} institution ${id}`,
    short_name: `${label.toUpperCase()}-${id}`,
    registration_number: registrationNumbers().valid,
  });
  assert.equal(response.status(), 303, `registering ${label} answers 303 (got ${response.status()})`);
  await page.waitForURL((url) => /^\/institutions\/[0-9a-f-]{36}$/.test(url.pathname));
  return pathOf(page).split('/').pop();
}

/** From an institution's people page, invite `email` with `role`; returns the notice text. */
async function invite(page, institutionId, email, role) {
  await page.goto(`/institutions/${institutionId}/people`);
  await page.locator('#role').selectOption(role);
  const response = await submitForm(page, { email, display_name: 'Jovana' });
  assert.equal(response.status(), 200, `the invitation answers 200 (got ${response.status()})`);
  return textOf(page.locator('main .notice[role="status"]'));
}

test('a person with an account joins a second institution only by accepting, after logging in', async () => {
  const en = catalogue('en');
  const sr = catalogue('sr');
  const shot = screenshotter('invitation-existing-account');
  const id = randomBytes(3).toString('hex');
  const staff = newStaffIdentity('inv-staff');
  const person = { ...newStaffIdentity('jovana'), email: `jovana-${id}@fakultet-${id}.ac.rs`, name: `Jovana Petrović ${id}` };

  const staffSide = await newPageIn(browser, 'en-GB');
  const personSide = await newPageIn(browser, 'sr-RS');
  const { page } = staffSide;
  const personPage = personSide.page;
  try {
    await acceptInvitation(page, createStaff(staff), staff);
    const a = await registerInstitution(page, 'a', id);
    const b = await registerInstitution(page, 'b', id);

    // The person becomes A's admin the way a new person does: registering through the link.
    assert.equal(await invite(page, a, person.email, 'admin'), en('people.invited'));
    const first = await invitationLinkFromMail(person.email);
    const enrolled = await acceptAdminInvitation(personPage, first.link, person, a);

    // B invites the same address: the same answer as for anyone, and B's page shows the
    // address it typed, not the person's name.
    assert.equal(await invite(page, b, person.email, 'auditor'), en('people.invited'));
    const pending = await textOf(page.locator('main section', { hasText: en('people.pending') }));
    assert.ok(pending.includes(person.email), 'the open invitation is listed by its address');
    assert.ok(!(await textOf(page.locator('main'))).includes(person.name), "B's page does not show the person's name");
    await shot(page, 'b-invited');

    // Not a member yet: B's pages do not exist for the person.
    const notYet = await personPage.goto(`/institutions/${b}`);
    assert.equal(notYet.status(), 404, 'before accepting, B answers 404');

    // The mail's link leads to logging in, not to a registration form.
    // The mail worker delivers in the background: wait for the second mail.
    let second = await invitationLinkFromMail(person.email);
    for (let tries = 0; second.link === first.link && tries < 80; tries += 1) {
      await new Promise((r) => setTimeout(r, 250));
      second = await invitationLinkFromMail(person.email);
    }
    assert.notEqual(second.link, first.link, 'a new link was mailed');
    await personPage.goto('/account');
    await logOut(personPage);
    await personPage.goto(second.link);
    await waitForPath(personPage, '/invite');
    assert.equal(await textOf(personPage.locator('main h1')), sr('invite.existing_title'));
    assert.equal(await personPage.locator('input[name="password"]').count(), 0, 'no registration form');
    await shot(personPage, 'link-for-existing-account');

    // Logging in with both factors ends on "Invitations for you".
    let response = await submitPassword(personPage, person.email, person.password);
    assert.equal(response.status(), 303);
    await waitForPath(personPage, '/mfa');
    const step = await waitForStepAfter(enrolled.step);
    response = await submitForm(personPage, { code: totp(enrolled.secret, step) });
    assert.equal(response.status(), 303, `the second factor answers 303 (got ${response.status()})`);
    await waitForPath(personPage, '/account/invitations');
    assert.equal(await textOf(personPage.locator('main h1')), sr('invitations.title'));
    const offer = personPage.locator('main li.panel');
    assert.equal(await offer.count(), 1, 'one open invitation');
    assert.ok((await textOf(offer)).includes(`B ustanova ${id}`), 'the institution is named in Serbian');
    assert.ok((await textOf(offer)).includes(sr('role.auditor')));
    await shot(personPage, 'invitations-for-you');

    // Accepting makes the membership, and lands in B as its auditor.
    await Promise.all([
      waitForPath(personPage, `/institutions/${b}`),
      offer.locator('button', { hasText: sr('invitations.accept') }).click(),
    ]);
    await personPage.waitForLoadState('domcontentloaded');
    assert.equal(await textOf(personPage.locator('.institution-header .eyebrow')), sr('role.auditor'));
    await shot(personPage, 'joined-b');

    // Staff now see the person among B's members.
    await page.goto(`/institutions/${b}/people`);
    const member = page.locator('main table tbody tr', { hasText: person.email });
    assert.equal(await member.count(), 1, 'the person is a member of B now');
    assert.ok((await textOf(member)).includes(en('role.auditor')));

    assert.deepEqual(page.problems, [], 'no page errors or CSP violations (staff)');
    assert.deepEqual(personPage.problems, [], 'no page errors or CSP violations (person)');
  } finally {
    await staffSide.context.close();
    await personSide.context.close();
  }
});
