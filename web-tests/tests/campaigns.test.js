// Issue 15: the yearly campaigns (health checks, telecom packages).
// - District staff create a campaign through the form: its list is made
//   from the registry, and the campaign page shows its progress.
// - A village assistant, at 390 px and with the keyboard only, opens the
//   demo health check from the home card, follows "record as reached" of
//   the first person not yet reached, keeps today's date and sends: the
//   person leaves the list and the count goes up.
// Axe on every page; screenshots in ../artifacts/screenshots/campaigns-*.png.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { launchBrowser, navigating, withQuery, whereAmI, setPreference, checkPage } from '../lib/browser.js';
import { accountSession } from '../lib/session.js';
import { focusTop, tabUntil, focused } from '../lib/keyboard.js';

const FILE_TIMEOUT_MS = 5 * 60_000;
const STEP_TIMEOUT_MS = 120_000;
const PHONE = { width: 390, height: 844 };

describe('campaigns', { timeout: FILE_TIMEOUT_MS }, () => {
  let server;
  let browser;
  before(async () => {
    server = await startServer('campaigns');
    browser = await launchBrowser();
  }, { timeout: FILE_TIMEOUT_MS });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });
  const env = () => ({ browser, base: server.base });
  const district = accountSession(env, 'demo');
  const village = accountSession(env, 'demo_village', { viewport: PHONE });
  after(() => district.close());
  after(() => village.close());

  /** The count in the heading of the not-yet-reached list. */
  const open = async (page) => Number((await page.locator('#open-title').innerText()).match(/\((\d+)\)/)[1]);
  const fact = (page, name) =>
    page.locator('main dl.facts').first().evaluate((dl, name) => {
      for (const dt of dl.querySelectorAll('dt')) if (dt.textContent.trim() === name) return dt.nextElementSibling?.textContent.trim() ?? '';
      return '';
    }, name);

  test('district staff create a health check for 南翔镇, grades 1–2', { timeout: STEP_TIMEOUT_MS }, async () => {
    const { page, watch } = await district.get();
    watch.reset();
    await page.goto(withQuery(`${server.base}/campaigns/new`, { lang: 'zh' }));
    await checkPage(page, 'campaigns-new-zh');
    // Sent empty: the name is asked for, tied to its field.
    await navigating(page, () => page.locator('main form button[type="submit"]').click());
    assert.ok(await page.locator('#error-summary').count(), `an empty name should send the form back: ${await whereAmI(page)}`);
    assert.equal(await page.locator('#error-summary a[href="#f-name"]').count(), 1, 'the error links to the name');
    assert.equal(await page.locator('#f-name').getAttribute('aria-invalid'), 'true');
    await checkPage(page, 'campaigns-new-error-zh');
    await page.locator('#f-name').fill('南翔镇重度残疾人健康体检');
    await page.locator('#f-orgunit').selectOption('310114102');
    await page.locator('#f-grades-1').check();
    await page.locator('#f-grades-2').check();
    await navigating(page, () => page.locator('main form button[type="submit"]').click());
    assert.match(new URL(page.url()).pathname, /^\/campaigns\/\d+$/, `created: ${await whereAmI(page)}`);
    assert.match(await page.locator('.flash, [role="status"]').first().innerText(), /名单已生成/);
    assert.match(await fact(page, '条件'), /残疾等级：1、2/);
    assert.match(await page.locator('#villages-caption').innerText(), /各村居进度/);
    await checkPage(page, 'campaigns-created-zh');
    assert.deepEqual(watch.problems().filter((p) => !/status of 422/.test(p)), []);
  });

  test('a village assistant (390 px, keyboard) records a person of the health check as reached', { timeout: STEP_TIMEOUT_MS }, async () => {
    const { page, watch } = await village.get();
    watch.reset();
    await page.goto(`${server.base}/`);
    await setPreference(page, 'lang', 'en'); // as a user does, in the header's menu: it sticks
    // The home card names the campaign and how many are not yet reached.
    const card = page.locator('main a[href="/campaigns/1"]').first();
    assert.ok(await card.count(), `a home card links to the health check: ${await whereAmI(page)}`);
    assert.match((await card.innerText()).replace(/\s+/g, ' '), /\d+ persons not yet reached in/);
    await focusTop(page);
    await tabUntil(page, (f) => f.inMain && f.href === '/campaigns/1', { what: 'the health check card' });
    await navigating(page, () => page.keyboard.press('Enter'));
    assert.equal(new URL(page.url()).pathname, '/campaigns/1');
    await checkPage(page, 'campaigns-village-en');
    const before = await open(page);
    assert.ok(before > 0, 'someone in the village is not yet reached');
    // The first "record as reached" link, by keyboard.
    await tabUntil(page, (f) => f.inMain && /\/campaigns\/1\/done\?person=\d+$/.test(f.href ?? ''), { what: 'record as reached', max: 80 });
    const href = (await focused(page)).href;
    const person = href.split('=')[1];
    await navigating(page, () => page.keyboard.press('Enter'));
    await checkPage(page, 'campaigns-done-en');
    const today = await page.locator('#f-date').inputValue();
    assert.match(today, /^\d{4}-\d{2}-\d{2}$/, 'the date defaults to today');
    assert.ok(await page.locator('label[for="f-date"]').count(), 'the date has a label');
    await page.locator('#f-date').focus();
    await tabUntil(page, (f) => f.tag === 'BUTTON' && f.inMain && f.type === 'submit', { what: 'the send button', max: 5 });
    await navigating(page, () => page.keyboard.press('Enter'));
    assert.equal(new URL(page.url()).pathname, '/campaigns/1', `back on the campaign: ${await whereAmI(page)}`);
    assert.match(await page.locator('main').innerText(), /Recorded as reached/);
    const after = await open(page);
    assert.equal(after, before - 1, 'one fewer not yet reached');
    assert.equal(await page.locator(`main a[href="/campaigns/1/done?person=${person}"]`).count(), 0, 'the person left the list');
    await checkPage(page, 'campaigns-recorded-en');
    // The same person again: the form says so, tied to the date.
    await page.goto(`${server.base}/campaigns/1/done?person=${person}&lang=en`);
    await navigating(page, () => page.locator('main form button[type="submit"]').click());
    assert.match(await page.locator('#error-summary').innerText(), /recorded as reached already/);
    assert.equal(await page.locator('#error-summary a[href="#f-date"]').count(), 1);
    assert.deepEqual(watch.problems().filter((p) => !/status of 409/.test(p)), []);
  });
});
