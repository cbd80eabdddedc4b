// Issue 15: the everyday work on the subsidies, walked by the people who do it.
// - Rosters, maker and checker: town staff ("demo_town", 390 px, English,
//   keyboard) make last month's living-subsidy roster of their town; they
//   may not approve their own (the page says so and offers no approve
//   button); district staff ("demo") approve it; the town makes this month's
//   roster and the checker sees it compared with last month's; a second
//   roster of the same month and area is refused (409) with what was typed
//   kept; the export answers an XLSX.
// - Policy simulation: district staff load care_grade2, change the amount
//   and see the figures per town and who would receive more.
// - Appeal: the person ("demo_person") contests the living-subsidy decision
//   from /me; town staff forward it with an opinion; district staff uphold
//   it with an amount until a month; the person's /me then shows the amount
//   set on appeal as the reason.
// Axe on every page; screenshots in ../artifacts/screenshots/benefits-*.png.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { launchBrowser, navigating, whereAmI, setPreference, checkPage } from '../lib/browser.js';
import { accountSession } from '../lib/session.js';
import { tabUntil } from '../lib/keyboard.js';

const FILE_TIMEOUT_MS = 6 * 60_000;
const STEP_TIMEOUT_MS = 120_000;
const PHONE = { width: 390, height: 844 };

/** YYYY-MM of the month `back` months before now (the server's clock is the real one). */
function monthBefore(back) {
  const d = new Date();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() - back);
  return d.toISOString().slice(0, 7);
}

const text = async (locator) => (await locator.innerText()).replace(/\s+/g, ' ');

describe('the subsidies at work: rosters, simulation, appeal', { timeout: FILE_TIMEOUT_MS }, () => {
  let server;
  let browser;
  before(async () => {
    server = await startServer('benefits-work');
    browser = await launchBrowser();
  }, { timeout: FILE_TIMEOUT_MS });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });
  const env = () => ({ browser, base: server.base });
  const district = accountSession(env, 'demo', { viewport: PHONE });
  const town = accountSession(env, 'demo_town', { viewport: PHONE });
  const person = accountSession(env, 'demo_person', { viewport: PHONE });
  after(() => district.close());
  after(() => town.close());
  after(() => person.close());

  /** Make a roster from /benefits/rosters by keyboard; returns the roster page's URL. */
  async function makeRoster(page, month) {
    await page.goto(`${server.base}/benefits/rosters`);
    await tabUntil(page, (f) => f.id === 'f-benefit', { what: 'the subsidy' });
    await page.locator('#f-benefit').selectOption('living_subsidy');
    await tabUntil(page, (f) => f.id === 'f-month', { what: 'the month', max: 5 });
    await page.keyboard.type(month);
    await tabUntil(page, (f) => f.id === 'f-orgunit', { what: 'the area', max: 5 });
    await page.locator('#f-orgunit').selectOption('310114102');
    await tabUntil(page, (f) => f.tag === 'BUTTON' && f.inMain && f.type === 'submit', { what: 'make the roster', max: 5 });
    await navigating(page, () => page.keyboard.press('Enter'));
    return page.url();
  }

  let lastMonthURL;
  test('town staff (390 px, English, keyboard) make last month\'s roster and may not approve it themselves', { timeout: STEP_TIMEOUT_MS }, async () => {
    const { page, watch } = await town.get();
    watch.reset();
    await page.goto(`${server.base}/benefits/rosters`);
    await setPreference(page, 'lang', 'en');
    const areas = await page.locator('#f-orgunit option').evaluateAll((os) => os.map((o) => o.value));
    assert.ok(areas.every((a) => a.startsWith('310114102')), `town staff are offered only their town: ${areas}`);
    lastMonthURL = await makeRoster(page, monthBefore(1));
    assert.match(new URL(lastMonthURL).pathname, /^\/benefits\/rosters\/\d+$/, `the new roster opens: ${await whereAmI(page)}`);
    const summary = await text(page.locator('dl.summary'));
    assert.match(summary, /Draft/i, summary);
    assert.match(await text(page.locator('#maker-note')), /another member of staff approves it/);
    assert.equal(await page.locator('form[action$="/approve"]').count(), 0, 'the maker is offered no approve button');
    const towns = await text(page.locator('#towns-caption').locator('xpath=ancestor::table'));
    assert.match(towns, /Nanxiang|南翔/, towns);
    await checkPage(page, 'benefits-roster-maker-en');
    // The same month and area again: refused, what was typed kept.
    await makeRoster(page, monthBefore(1));
    assert.ok(await page.locator('#error-summary').count(), `a second roster should be refused: ${await whereAmI(page)}`);
    assert.match(await text(page.locator('#error-summary')), /already/i);
    assert.equal(await page.locator('#f-month').inputValue(), monthBefore(1), 'the month typed is kept');
    assert.equal(await page.locator('#f-orgunit').inputValue(), '310114102', 'the area chosen is kept');
    await checkPage(page, 'benefits-roster-twice-en');
    assert.deepEqual(watch.problems().filter((p) => !/status of 409 /.test(p)), []);
  });

  test('district staff approve it; this month\'s roster is then compared with it', { timeout: STEP_TIMEOUT_MS }, async () => {
    const { page, watch } = await district.get();
    watch.reset();
    await page.goto(lastMonthURL);
    await setPreference(page, 'lang', 'en');
    await tabUntil(page, (f) => f.tag === 'BUTTON' && /"Approve"$/.test(f.desc), { what: 'the approve button', max: 40 });
    await navigating(page, () => page.keyboard.press('Enter'));
    const summary = await text(page.locator('dl.summary'));
    assert.match(summary, /Approved/, summary);
    assert.match(summary, /demo\b/, 'the checker is named');
    assert.equal(await page.locator('form[action$="/approve"]').count(), 0, 'an approved roster is not approved again');
    // The export is an XLSX (a zip).
    const href = await page.locator('a[href$="format=xlsx"]').getAttribute('href');
    const res = await page.request.get(`${server.base}${href}`);
    assert.equal(res.status(), 200);
    assert.match(res.headers()['content-type'], /spreadsheetml/);
    assert.equal((await res.body()).subarray(0, 2).toString(), 'PK');
    await checkPage(page, 'benefits-roster-approved-en');

    const t = await town.get();
    const thisMonthURL = await makeRoster(t.page, monthBefore(0));
    await page.goto(thisMonthURL);
    const diff = await text(page.locator('#diff-title').locator('xpath=following-sibling::p[1]'));
    assert.match(diff, new RegExp(`Against the approved roster of ${monthBefore(1)}: \\d+ joined, \\d+ left, \\d+ with another amount`), diff);
    assert.ok(await page.locator('form[action$="/approve"]').count(), 'the checker may approve this month\'s roster');
    await checkPage(page, 'benefits-roster-checker-en');
    assert.deepEqual(watch.problems(), []);
  });

  test('district staff try a higher care subsidy and see its cost per town and who would gain', { timeout: STEP_TIMEOUT_MS }, async () => {
    const { page, watch } = await district.get();
    watch.reset();
    await page.goto(`${server.base}/benefits/simulate`);
    await setPreference(page, 'lang', 'en');
    await page.locator('#p-code').selectOption('care_grade2');
    await navigating(page, () => page.getByRole('button', { name: 'Load the rule' }).click());
    assert.equal(await page.locator('#f-condition').inputValue(), 'grade == 2', 'the current condition is loaded');
    await page.locator('#f-amount').fill('250');
    await navigating(page, () => page.getByRole('button', { name: 'Simulate', exact: true }).click());
    const status = await text(page.locator('[role="status"]').first());
    const m = status.match(/(\d+) persons would receive more and (\d+) less/);
    assert.ok(m, `the result names who gains: ${status}; ${await whereAmI(page)}`);
    assert.ok(Number(m[1]) > 0, status);
    assert.equal(Number(m[2]), 0, status);
    assert.match(await text(page.locator('#sim-0')), /Living subsidy.*: no change/, 'an unchanged subsidy is one line');
    assert.match(await text(page.locator('#sim-1').locator('xpath=ancestor::table')), /Nanxiang Town/, 'the care subsidy per town');
    const gaining = page.locator('#gaining-caption').locator('xpath=ancestor::table');
    assert.ok(await gaining.locator('tbody a[href^="/persons/"]').count() > 0, 'the gainers are named, with links');
    assert.match(await text(gaining), /180\.00.*250\.00/, 'before and after, a month');
    await checkPage(page, 'benefits-simulate-en');
    assert.deepEqual(watch.problems(), []);
  });

  let caseURL;
  test('the person appeals the living-subsidy decision from their own page', { timeout: STEP_TIMEOUT_MS }, async () => {
    const { page, watch } = await person.get();
    watch.reset();
    await page.goto(`${server.base}/me`);
    const link = page.locator('a[href*="benefit_appeal.benefit=living_subsidy"]');
    assert.equal(await link.count(), 1, `/me offers to appeal the living subsidy: ${await whereAmI(page)}`);
    await navigating(page, () => link.click());
    assert.equal(await page.locator('#f-service_type').count(), 0, 'the appeal\'s form offers no other service');
    assert.equal(await page.locator('input[type="hidden"][name="service_type"]').inputValue(), 'benefit_appeal');
    assert.match(await text(page.locator('h1')), /补贴决定申诉/);
    assert.equal(await page.locator('fieldset.type-fields').count(), 1, 'only the appeal\'s own fields');
    await page.getByLabel(/申诉理由/).fill('我家今年被认定为低收入家庭，应当按低保标准领取生活补贴。');
    await checkPage(page, 'benefits-appeal-new-zh');
    await navigating(page, () => page.locator('main button[type="submit"]').last().click());
    caseURL = page.url();
    assert.match(new URL(caseURL).pathname, /^\/cases\/\d+$/, `the appeal is made: ${await whereAmI(page)}`);
    assert.match(await text(page.locator('main')), /待镇街审核/);
    assert.deepEqual(watch.problems(), []);
  });

  test('the town forwards it; the district upholds it with an amount; /me shows the amount set on appeal', { timeout: STEP_TIMEOUT_MS }, async () => {
    const t = await town.get();
    await t.page.goto(caseURL);
    const forward = t.page.locator('form.case-action:has(input[name="action"][value="forward"])');
    await forward.locator('textarea[name="opinion"]').fill('Checked with the village: the family is on the low-income list since March.');
    await navigating(t.page, () => forward.locator('button[type="submit"]').click());
    assert.match(await text(t.page.locator('main')), /awaiting the district's decision/);

    const d = await district.get();
    await d.page.goto(caseURL);
    const uphold = d.page.locator('form.case-action:has(input[name="action"][value="uphold"])');
    assert.equal(await uphold.count(), 1, `district staff may uphold: ${await whereAmI(d.page)}`);
    await uphold.locator('input[name="amount"]').fill('450');
    await uphold.locator('input[name="until"]').fill(monthBefore(-6));
    await uphold.locator('textarea[name="reason"]').fill('The low-income status is confirmed by the civil affairs office.');
    await checkPage(d.page, 'benefits-appeal-decide-en');
    await navigating(d.page, () => uphold.locator('button[type="submit"]').click());
    assert.match(await text(d.page.locator('main')), /upheld/);

    const p = await person.get();
    await p.page.goto(`${server.base}/me`);
    const mine = await text(p.page.locator('#benefits-caption').locator('xpath=ancestor::table'));
    assert.match(mine, /450\.00/, mine);
    assert.match(mine, /申诉/, `the reason names the appeal: ${mine}`);
    await checkPage(p.page, 'benefits-appeal-me-zh');
  });
});
