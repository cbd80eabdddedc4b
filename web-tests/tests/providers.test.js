// Issue 16: purchased services — organisations, contracts, assignment, and
// the provider's view.
// - District staff (`demo`, 390 px, English) register an organisation with
//   the keyboard (a wrong credit code is named at its field, what was typed
//   and ticked kept), add a rehabilitation contract with payment milestones
//   for the demo provider's organisation, list the open unassigned cases in
//   bulk, and assign the demo rehabilitation case just referred to the new
//   contract from its case page.
// - The demo provider (`demo_provider`, 390 px) sees that case in its inbox
//   and not a case assigned to another organisation (whose URL answers 404),
//   opens it and assesses it (its next step).
// Axe on every page; screenshots in ../artifacts/screenshots/providers-*.png.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { launchBrowser, navigating, withQuery, whereAmI, setPreference, checkPage } from '../lib/browser.js';
import { accountSession } from '../lib/session.js';
import { tabUntil } from '../lib/keyboard.js';

const FILE_TIMEOUT_MS = 5 * 60_000;
const STEP_TIMEOUT_MS = 120_000;
const PHONE = { width: 390, height: 844 };

/** The check character of the first 17 characters of a credit code (DOMAIN.md §1.3). */
function usccCheck(first17) {
  const alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY';
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += alphabet.indexOf(first17[i]) * (3 ** i % 31);
  const c = (31 - (sum % 31)) % 31;
  return alphabet[c];
}

describe('providers', { timeout: FILE_TIMEOUT_MS }, () => {
  let server;
  let browser;
  before(async () => {
    server = await startServer('providers');
    browser = await launchBrowser();
  }, { timeout: FILE_TIMEOUT_MS });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });
  const env = () => ({ browser, base: server.base });
  const district = accountSession(env, 'demo', { viewport: PHONE });
  const provider = accountSession(env, 'demo_provider', { viewport: PHONE });
  after(() => district.close());
  after(() => provider.close());

  // Shared between the steps: the case assigned by district staff, and one
  // assigned to another organisation.
  let assigned = 0;
  let other = 0;
  let contract = 0;

  test('district staff (390 px, English, keyboard) register an organisation', { timeout: STEP_TIMEOUT_MS }, async () => {
    const { page, watch } = await district.get();
    watch.reset();
    await page.goto(`${server.base}/providers`);
    await setPreference(page, 'lang', 'en');
    assert.match(await page.locator('main').innerText(), /嘉定区助残服务枢纽/, 'the demo hub is listed');
    await checkPage(page, 'providers-list-en');
    await page.goto(`${server.base}/providers/new`);
    await checkPage(page, 'providers-new-en');
    const first17 = '52310114MJTEXT001';
    const good = first17 + usccCheck(first17);
    const bad = first17 + (good[17] === '0' ? '1' : '0');
    await page.locator('#f-name').focus();
    await page.keyboard.type('Jiading test care centre');
    await page.keyboard.press('Tab');
    assert.equal((await page.evaluate(() => document.activeElement.id)), 'f-uscc', 'Tab goes from the name to the credit code');
    await page.keyboard.type(bad);
    await tabUntil(page, (f) => f.id === 'f-services-rehabilitation', { what: 'the rehabilitation service' });
    await page.keyboard.press('Space');
    await tabUntil(page, (f) => f.id === 'f-towns-310114102', { what: 'the town 南翔镇' });
    await page.keyboard.press('Space');
    await tabUntil(page, (f) => f.tag === 'BUTTON' && f.inMain && f.type === 'submit', { what: 'the register button', max: 20 });
    await navigating(page, () => page.keyboard.press('Enter'));
    // The wrong check character is named at its field; what was typed stays.
    assert.ok(await page.locator('#error-summary').count(), `a wrong credit code should send the form back: ${await whereAmI(page)}`);
    assert.equal(await page.locator('#error-summary a[href="#f-uscc"]').count(), 1, 'the error links to the credit code');
    assert.match(await page.locator('#e-uscc').innerText(), /check/i);
    assert.equal(await page.locator('#f-uscc').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.locator('#f-name').inputValue(), 'Jiading test care centre');
    assert.equal(await page.locator('#f-uscc').inputValue(), bad);
    assert.ok(await page.locator('#f-services-rehabilitation').isChecked(), 'the service stays ticked');
    assert.ok(await page.locator('#f-towns-310114102').isChecked(), 'the town stays ticked');
    await checkPage(page, 'providers-new-error-en');
    // The error summary's link leads to the field; corrected, it registers.
    await page.locator('#error-summary a[href="#f-uscc"]').focus();
    await page.keyboard.press('Enter');
    await page.locator('#f-uscc').focus();
    await page.keyboard.press('End');
    await page.keyboard.press('Backspace');
    await page.keyboard.type(good[17]);
    await tabUntil(page, (f) => f.tag === 'BUTTON' && f.inMain && f.type === 'submit', { what: 'the register button', max: 40 });
    await navigating(page, () => page.keyboard.press('Enter'));
    assert.match(new URL(page.url()).pathname, /^\/providers\/\d+$/, `registered: ${await whereAmI(page)}`);
    assert.match(await page.locator('main').innerText(), /Rehabilitation/);
    assert.match(await page.locator('main').innerText(), /南翔镇|Nanxiang/);
    await checkPage(page, 'providers-created-en');
    assert.deepEqual(watch.problems().filter((p) => !/status of 422/.test(p)), []);
  });

  test('district staff add a contract for the demo provider and assign a case to it from the case page', { timeout: STEP_TIMEOUT_MS }, async () => {
    const { page, watch } = await district.get();
    watch.reset();
    await page.goto(`${server.base}/contracts`);
    await checkPage(page, 'providers-contracts-en');
    await page.goto(`${server.base}/contracts/new`);
    await checkPage(page, 'providers-contract-new-en');
    await page.locator('#f-provider_id').selectOption({ label: '嘉定区康健助残服务中心' });
    await page.locator('#f-service_type').selectOption('rehabilitation');
    await page.locator('#f-title').fill('Rehabilitation at home, Nanxiang');
    await page.locator('#f-orgunit').selectOption('310114102');
    await page.locator('#f-budget').fill('80,000');
    await page.locator('#f-target_cases').fill('20');
    await page.locator('#f-due_days').fill('45');
    await page.locator('#f-ms-title-0').fill('Advance');
    await page.locator('#f-ms-amount-0').fill('30000');
    await page.locator('#f-ms-title-1').fill('Final');
    await page.locator('#f-ms-amount-1').fill('60000');
    await navigating(page, () => page.locator('main form button[type="submit"]').click());
    // Over the budget: said, the amounts kept.
    assert.match(await page.locator('#error-summary').innerText(), /more than the budget/);
    assert.equal(await page.locator('#f-ms-amount-1').inputValue(), '60000');
    await checkPage(page, 'providers-contract-error-en');
    await page.locator('#f-ms-amount-1').fill('50000');
    await navigating(page, () => page.locator('main form button[type="submit"]').click());
    const m = new URL(page.url()).pathname.match(/^\/contracts\/(\d+)$/);
    assert.ok(m, `created: ${await whereAmI(page)}`);
    contract = Number(m[1]);
    assert.match(await page.locator('#milestones-caption').innerText(), /Payment milestones/);
    await checkPage(page, 'providers-contract-en');
    // Release the advance; a second time is refused.
    await navigating(page, () => page.locator(`form[action="/contracts/${contract}/milestones/1/release"] button`).click());
    assert.match(await page.locator('main').innerText(), /released/i);
    await checkPage(page, 'providers-contract-released-en');

    // The open rehabilitation cases nobody holds yet.
    await page.goto(`${server.base}/providers/assign?type=rehabilitation`);
    await checkPage(page, 'providers-bulk-en');
    const box = page.locator('main input[name="cases"]').first();
    assert.ok(await box.count(), `an unassigned rehabilitation case is listed: ${await whereAmI(page)}`);
    assigned = Number(await box.getAttribute('value'));
    // A case held by another organisation (the demo renovation contract).
    await page.goto(`${server.base}/contracts/3`);
    const link = page.locator('main a[href^="/cases/"]').first();
    assert.ok(await link.count(), 'the other organisation holds a case');
    other = Number((await link.getAttribute('href')).split('/')[2]);

    // From the case page: the link to assign, the contract picker.
    await page.goto(`${server.base}/cases/${assigned}`);
    const assign = page.locator(`main a[href="/cases/${assigned}/assign"]`);
    assert.ok(await assign.count(), `the case page offers to assign: ${await whereAmI(page)}`);
    await checkPage(page, 'providers-case-unassigned-en');
    await navigating(page, () => assign.click());
    await checkPage(page, 'providers-assign-en');
    await page.locator(`#f-contract_id-${contract}`).check();
    await navigating(page, () => page.locator('main form button[type="submit"]').click());
    assert.equal(new URL(page.url()).pathname, `/cases/${assigned}`, `back on the case: ${await whereAmI(page)}`);
    const panel = await page.locator('#assignment').locator('xpath=ancestor::div[1]').innerText();
    assert.match(panel, /嘉定区康健助残服务中心/);
    assert.match(panel, /Rehabilitation at home, Nanxiang/);
    assert.match(await page.locator('main').innerText(), /assigned to a provider/);
    await checkPage(page, 'providers-case-assigned-en');
    assert.deepEqual(watch.problems().filter((p) => !/status of 422/.test(p)), []);
  });

  test('the demo provider sees the case assigned to it, not the other, and assesses it', { timeout: STEP_TIMEOUT_MS }, async () => {
    assert.ok(assigned && other, 'the steps above found the cases');
    const { page, watch } = await provider.get();
    watch.reset();
    await page.goto(`${server.base}/cases?show=open`);
    await checkPage(page, 'providers-provider-inbox-zh');
    assert.equal(await page.locator(`main a[href="/cases/${assigned}"]`).count(), 1, 'the assigned case is in the inbox');
    assert.equal(await page.locator(`main a[href="/cases/${other}"]`).count(), 0, 'the other organisation\'s case is not');
    const resp = await page.goto(`${server.base}/cases/${other}`);
    assert.equal(resp?.status(), 404, 'the other organisation\'s case answers 404');
    await page.goto(`${server.base}/providers`);
    assert.equal(await page.locator('main a[href^="/providers/"]').count(), 1, 'the provider sees its own organisation only');
    await checkPage(page, 'providers-provider-own-zh');
    await page.goto(`${server.base}/contracts/${contract}`);
    assert.match(await page.locator('main').innerText(), new RegExp(`个案 ${assigned}`));
    await checkPage(page, 'providers-provider-contract-zh');
    await page.goto(withQuery(`${server.base}/cases/${assigned}`, { lang: 'zh' }));
    await checkPage(page, 'providers-provider-case-zh');
    const form = page.locator('main form:has(input[name="action"][value="assess"])');
    assert.equal(await form.count(), 1, `the provider may assess the case: ${await whereAmI(page)}`);
    await form.locator('input[name="service"]').first().check();
    await form.locator('input[name="sessions"]').fill('10');
    await form.locator('textarea[name="goals"], input[name="goals"]').first().fill('独立行走');
    await navigating(page, () => form.locator('button[type="submit"]').click());
    assert.equal(new URL(page.url()).pathname, `/cases/${assigned}`, `assessed: ${await whereAmI(page)}`);
    assert.match(await page.locator('main dl.facts').first().innerText(), /已评估/);
    await checkPage(page, 'providers-provider-assessed-zh');
    assert.deepEqual(watch.problems().filter((p) => !/status of 404/.test(p)), []);
  });
});
