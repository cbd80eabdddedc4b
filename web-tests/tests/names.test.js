// People are named, places are picked (issue 14), at 390 px on a phone, in
// Chinese and English:
// - the case inbox and a case name the person (with the village), never a
//   bare record number ("档案 #9" / "Record #9"), for district staff, the
//   village assistant and the provider;
// - the persons filter picks a town or village by name from a <select>
//   grouped by town (no typed code), and the list follows the choice;
// - the new person form picks the village by name;
// - the person's own page and the audit page say who looked in words;
// axe on each page, a screenshot of each in ../artifacts/screenshots/names-*.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { launchBrowser, axeCheck, shot, navigating, withQuery } from '../lib/browser.js';
import { accountSession } from '../lib/session.js';

const FILE_TIMEOUT_MS = 5 * 60_000;
const STEP_TIMEOUT_MS = 90_000;
const PHONE = { width: 390, height: 844 };
const BARE = /档案 ?#\s*\d+|Record ?#\s*\d+/;

describe('names, not numbers; places by name (390 px)', { timeout: FILE_TIMEOUT_MS }, () => {
  let server;
  let browser;
  before(async () => {
    server = await startServer('names');
    browser = await launchBrowser();
  }, { timeout: FILE_TIMEOUT_MS });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });
  const env = () => ({ browser, base: server.base });
  const sessions = {};
  const session = (username) => (sessions[username] ??= accountSession(env, username, { viewport: PHONE }));
  after(() => Promise.all(Object.values(sessions).map((s) => s.close())));

  /** Open a page as an account, check the answer, the bare numbers and axe; screenshot it. */
  const open = async (username, path, lang, label) => {
    const { page, watch } = await session(username).get();
    watch.reset();
    const resp = await page.goto(withQuery(`${server.base}${path}`, { lang }));
    assert.equal(resp?.status(), 200, `${username} ${path} (${lang}): HTTP ${resp?.status()}`);
    const text = await page.locator('main').innerText();
    assert.doesNotMatch(text, BARE, `${username} ${path} (${lang}): a bare record number where a name belongs`);
    await axeCheck(page, `names-${label}-${lang}`);
    await shot(page, `names-${label}-${lang}-390`);
    const problems = watch.problems();
    assert.deepEqual(problems, [], `${username} ${path} (${lang}): ${problems.join('; ')}`);
    return page;
  };

  for (const lang of ['zh', 'en']) {
    for (const [username, label] of [['demo', 'district'], ['demo_village', 'village'], ['demo_provider', 'provider']]) {
      test(`${label} (${lang}): the inbox and a case name the person`, { timeout: STEP_TIMEOUT_MS }, async () => {
        const page = await open(username, '/cases?show=open', lang, `${label}-cases`);
        const rows = page.locator('main tbody tr');
        const n = await rows.count();
        assert.ok(n > 0, `${label} (${lang}): the open cases list is empty`);
        const first = rows.first().locator('td').nth(1);
        const who = (await first.innerText()).trim();
        assert.ok(who.length > 0 && !/^\d+$/.test(who), `${label} (${lang}): the first row's person reads "${who}"`);
        const href = await rows.first().locator('td a').first().getAttribute('href');
        assert.match(href ?? '', /^\/cases\/\d+$/, `${label} (${lang}): the first row has no case link`);
        const casePage = await open(username, href, lang, `${label}-case`);
        const person = casePage.locator('dl.facts dd').nth(1);
        assert.ok((await person.innerText()).trim().length > 1, `${label} (${lang}): the case page names no person`);
      });
    }

    test(`district (${lang}): the persons filter picks a town by name`, { timeout: STEP_TIMEOUT_MS }, async () => {
      const page = await open('demo', '/persons', lang, 'persons-filter');
      const select = page.locator('select#f-orgunit');
      assert.equal(await select.count(), 1, `persons (${lang}): the place filter is not a <select>`);
      const town = lang === 'en' ? 'Nanxiang Town' : '南翔镇';
      assert.ok(await select.locator(`optgroup[label="${town}"]`).count(), `persons (${lang}): no group for ${town}`);
      await select.selectOption('310114102');
      await navigating(page, () => page.locator('form[role="search"] button[type="submit"]').click());
      assert.match(page.url(), /orgunit=310114102(&|$)/, `persons (${lang}): the filter did not send the town`);
      assert.equal(await page.locator('select#f-orgunit').inputValue(), '310114102', `persons (${lang}): the chosen town is not kept`);
      await axeCheck(page, `names-persons-filtered-${lang}`);
      await shot(page, `names-persons-filtered-${lang}-390`);
    });

    test(`district (${lang}): the new person form picks the village by name`, { timeout: STEP_TIMEOUT_MS }, async () => {
      const page = await open('demo', '/persons/new', lang, 'person-new');
      const select = page.locator('select#f-orgunit');
      assert.equal(await select.count(), 1, `person form (${lang}): the village is not a <select>`);
      assert.ok((await select.locator('optgroup').count()) > 1, `person form (${lang}): the villages are not grouped by town`);
    });

    test(`logs in words (${lang}): the person's own page and the audit page`, { timeout: STEP_TIMEOUT_MS }, async () => {
      const me = await open('demo_person', '/me', lang, 'me');
      const log = await me.locator('#access-caption').locator('xpath=ancestor::table').innerText();
      assert.ok(lang === 'en' ? /viewed the record/.test(log) : /查看了档案/.test(log), `me (${lang}): the access log does not say "viewed the record"`);
      const audit = await open('demo_auditor', '/audit', lang, 'audit');
      const rows = await audit.locator('#audit-caption').locator('xpath=ancestor::table').innerText();
      assert.ok(lang === 'en' ? /person record \d+/.test(rows) : /残疾人档案 \d+/.test(rows), `audit (${lang}): subjects are not in words`);
    });
  }
});
