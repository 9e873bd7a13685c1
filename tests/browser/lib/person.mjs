// The person's pages after the mailbox is proved, shared by the journeys that reach them
// (a mailed link, or self-service): a key made by the portal, then pickup of the PKCS#12.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { waitForPath } from './browser.mjs';

const noShot = async () => {};

/** On the key choice: the portal makes the key; returns the passphrase it shows once. */
export async function makeKey(p, shot = noShot) {
  await p.locator('form[action="/enroll/key"]').waitFor();
  await shot(p, 'person-choose-key');
  await Promise.all([
    p.waitForResponse((r) => r.request().method() === 'POST'),
    p.locator('form[action="/enroll/key"] button[type="submit"]').click(),
  ]);
  const passphrase = (await p.locator('#passphrase').innerText()).trim();
  assert.ok(passphrase.length >= 20, `a long passphrase is shown (${passphrase.length} characters)`);
  assert.equal(await p.locator('#passphrase .group').count(), 5, 'five groups for reading aloud');
  assert.ok(await p.locator('button[data-copy="passphrase"]').isVisible(), 'app.js shows the copy button');
  await shot(p, 'person-passphrase');
  await p.locator('main a.button[href="/enroll"]').click();
  await waitForPath(p, '/enroll');
  return passphrase;
}

/** On the pickup form: the passphrase, the download saved into `dir`; returns its path. */
export async function downloadPkcs12(p, passphrase, dir) {
  await p.locator('#passphrase').fill(passphrase);
  const [download] = await Promise.all([
    p.waitForEvent('download'),
    p.locator('form[action="/enroll/pickup"] button[type="submit"]').click(),
  ]);
  assert.match(download.suggestedFilename(), /\.p12$/, 'the file is offered as a .p12');
  const saved = join(dir, download.suggestedFilename());
  await download.saveAs(saved);
  await p.locator('.picked-up').waitFor();
  return saved;
}
