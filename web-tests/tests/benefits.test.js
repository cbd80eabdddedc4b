// Issue 15: the subsidies of DOMAIN.md §4, decided by rules kept as data.
// - District staff ("demo", 390 px, English, keyboard) open /benefits/rules:
//   the rules in force with their amounts, and the form to add a version;
//   a condition that does not type-check is sent back with its line and
//   column, linked to the field, what was typed kept.
// - A person page shows the two decisions with their reasons (Chinese), and
//   the person's own /me shows them too ("demo_person").
// Axe on every page; screenshots in ../artifacts/screenshots/benefits-*.png.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { launchBrowser, navigating, whereAmI, setPreference, checkPage } from '../lib/browser.js';
import { accountSession } from '../lib/session.js';
import { tabUntil } from '../lib/keyboard.js';

const FILE_TIMEOUT_MS = 5 * 60_000;
const STEP_TIMEOUT_MS = 120_000;
const PHONE = { width: 390, height: 844 };

describe('subsidies decided by rules as data', { timeout: FILE_TIMEOUT_MS }, () => {
  let server;
  let browser;
  before(async () => {
    server = await startServer('benefits');
    browser = await launchBrowser();
  }, { timeout: FILE_TIMEOUT_MS });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });
  const env = () => ({ browser, base: server.base });
  const staff = accountSession(env, 'demo', { viewport: PHONE });
  const person = accountSession(env, 'demo_person', { viewport: PHONE });
  after(() => staff.close());
  after(() => person.close());

  test('district staff (390 px, English, keyboard): the rules, and a condition that does not type-check is refused at its position', { timeout: STEP_TIMEOUT_MS }, async () => {
    const { page, watch } = await staff.get();
    watch.reset();
    await page.goto(`${server.base}/benefits/rules`);
    await setPreference(page, 'lang', 'en');
    const inForce = (await page.locator('#inforce-caption').locator('xpath=ancestor::table').innerText()).replace(/\s+/g, ' ');
    for (const w of ['living_dibao', '450.00 yuan', 'living_near_dibao', '320.00 yuan', 'care_grade1', '350.00 yuan', 'care_grade2', '180.00 yuan']) {
      assert.ok(inForce.includes(w), `the rules in force lack ${w}: ${inForce}`);
    }
    await checkPage(page, 'benefits-rules-en');
    // By keyboard: the condition, the amount, the month; then send.
    await tabUntil(page, (f) => f.id === 'f-condition', { what: 'the condition' });
    await page.keyboard.type('grade == 2 && salary > 3');
    await tabUntil(page, (f) => f.id === 'f-amount', { what: 'the amount', max: 5 });
    await page.keyboard.type('190');
    await tabUntil(page, (f) => f.id === 'f-effective_from', { what: 'the month', max: 5 });
    await page.keyboard.press('Control+A');
    await page.keyboard.type('2099-01');
    await tabUntil(page, (f) => f.tag === 'BUTTON' && f.inMain && f.type === 'submit', { what: 'the save button', max: 10 });
    await navigating(page, () => page.keyboard.press('Enter'));
    assert.ok(await page.locator('#error-summary').count(), `the bad condition should send the form back: ${await whereAmI(page)}`);
    const err = (await page.locator('#e-condition').innerText()).replace(/\s+/g, ' ');
    assert.match(err, /line 1, column 15: undeclared reference to 'salary'/, err);
    assert.equal(await page.locator('#f-condition').getAttribute('aria-invalid'), 'true');
    assert.match(await page.locator('#f-condition').getAttribute('aria-describedby'), /e-condition/);
    assert.equal(await page.locator('#f-condition').inputValue(), 'grade == 2 && salary > 3', 'the typed condition is kept');
    assert.equal(await page.locator('#f-amount').inputValue(), '190', 'the typed amount is kept');
    assert.ok(await page.locator('#error-summary a[href="#f-condition"]').count(), 'the summary links to the condition');
    await checkPage(page, 'benefits-refused-en');
    assert.deepEqual(watch.problems().filter((p) => !/status of 422 .*\/benefits\/rules/.test(p)), []);
  });

  test('a person page (Chinese) and the person\'s own /me show both decisions with the reasons', { timeout: STEP_TIMEOUT_MS }, async () => {
    const { page, placeholders } = await staff.get();
    await setPreference(page, 'lang', 'zh');
    const id = await placeholders.id();
    await page.goto(`${server.base}/persons/${id}`);
    const table = page.locator('#benefits-caption').locator('xpath=ancestor::table');
    assert.equal(await table.count(), 1, `the person page has no subsidies table: ${await whereAmI(page)}`);
    const text = (await table.innerText()).replace(/\s+/g, ' ');
    assert.match(text, /困难残疾人生活补贴/, text);
    assert.match(text, /重度残疾人护理补贴/, text);
    assert.match(text, /户籍/, 'the reasons name the facts');
    await checkPage(page, 'benefits-person-zh');
    const me = await person.get();
    await me.page.goto(`${server.base}/me`);
    const mine = me.page.locator('#benefits-caption').locator('xpath=ancestor::table');
    assert.equal(await mine.count(), 1, `/me has no subsidies table: ${await whereAmI(me.page)}`);
    assert.match((await mine.innerText()).replace(/\s+/g, ' '), /生活补贴.*护理补贴/);
    await checkPage(me.page, 'benefits-me-zh');
  });
});
