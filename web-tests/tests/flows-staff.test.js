// Issue 14, "no dead ends" in staff workflows, on a phone (390 px):
// - district staff (demo) read the home renovation budget of the year —
//   total, committed, paid, remaining, and by town by name — and set it with
//   an amount typed as people write it ("60万"); one that cannot be read
//   ("12,5OO") is refused at its field with the typed text kept; another
//   year from the year picker, in English;
// - town staff (demo_town) quote a renovation "12,500.50", correct the quote
//   before approval ("8,000元"), the case's quote history shows
//   12,500.50 元 → 8,000.00 元, and approve it: the district's by-town
//   figures move;
// - town staff take the attendance of their centre's session list at once,
//   with the keyboard (a checkbox per person, by name); the case then lists
//   the attended date; a date that cannot be read is refused quoting it;
// - town staff define a local project in Chinese only (no English name, no
//   internal field names); a mistake names the field by its label and keeps
//   what was typed.
// Axe and no sideways scrolling at each state, Chinese and English;
// screenshots in ../artifacts/screenshots/flows-*.png.
// The steps share two pages (one per account) and run in order; a failed step
// skips the rest.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { launchBrowser, newSession, navigating, whereAmI, login, axeCheck, setPreference, shot, assertFits } from '../lib/browser.js';
import { tabUntil } from '../lib/keyboard.js';

const FILE_TIMEOUT_MS = 8 * 60_000;
const STEP_TIMEOUT_MS = 90_000;
const PHONE = { viewport: { width: 390, height: 844 } };

describe('staff workflows without dead ends: renovation budget and quotes, rehabilitation attendance, local projects (390 px)', { timeout: FILE_TIMEOUT_MS }, () => {
  let server;
  let browser;
  let district; // { context, page, watch } of demo
  let town; // of demo_town
  let failed = null;
  let renovationCase = '';

  before(async () => {
    server = await startServer('flows-staff');
    browser = await launchBrowser();
    district = await newSession(browser, server.base, PHONE);
    town = await newSession(browser, server.base, PHONE);
  }, { timeout: FILE_TIMEOUT_MS });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** A step on one account's page. Refused forms answer 409/422 on purpose; Chromium logs those as failed loads. */
  const step = (name, who, fn) =>
    test(name, { timeout: STEP_TIMEOUT_MS }, async (t) => {
      if (failed) {
        t.skip(`needs the step "${failed}", which failed`);
        return;
      }
      const s = who();
      s.watch.reset();
      try {
        await fn(s.page);
      } catch (err) {
        failed = name;
        throw err;
      }
      const problems = s.watch.problems().filter((p) => !/status of (409|422) /.test(p));
      if (problems.length) assert.fail(`${name}:\n  - ${problems.join('\n  - ')}`);
    });

  /** The page does not scroll sideways at 390 px. */
  const fits = (page) => assertFits(page, 390);

  /** The text of an element, spaces collapsed. */
  const text = async (page, selector) => ((await page.locator(selector).first().textContent()) || '').replace(/\s+/g, ' ').trim();

  /** The row of the by-town table that names a town: its cells. */
  const townRow = (page, name) =>
    page.locator('#towns-caption').locator('xpath=..').locator('tbody tr', { hasText: name }).first().locator('th, td').allTextContents();

  /** Submit the case page's form of an action, with fields filled. */
  const act = async (page, action, fields = {}) => {
    const form = page.locator(`main form:has(input[name="action"][value="${action}"])`);
    for (const [name, value] of Object.entries(fields)) await form.locator(`[name="${name}"]`).fill(value);
    return navigating(page, () => form.locator('button[type="submit"]').click());
  };

  // ---- home renovation: the budget (district staff) ----

  step('district staff read the year\'s budget: total, committed, paid, remaining, and by town by name', () => district, async (page) => {
    await login(page, server.base, 'demo');
    const resp = await page.goto(`${server.base}/renovation/budget`);
    assert.equal(resp?.status(), 200, `GET /renovation/budget answered HTTP ${resp?.status()}`);
    assert.equal(await text(page, '#budget-total'), '500,000.00 元', 'the demo budget of the year');
    assert.equal(await text(page, '#budget-committed'), '12,500.00 元', 'the demo renovation approved');
    assert.equal(await text(page, '#budget-paid'), '12,500.00 元', 'the demo renovation paid');
    assert.equal(await text(page, '#budget-left'), '487,500.00 元', 'what remains');
    const nanxiang = await townRow(page, '南翔镇');
    assert.deepEqual(nanxiang.map((c) => c.trim()), ['南翔镇', '1', '12,500.00 元', '12,500.00 元'], 'Nanxiang\'s row');
    const anting = await townRow(page, '安亭镇');
    assert.deepEqual(anting.map((c) => c.trim()), ['安亭镇', '0', '0.00 元', '0.00 元'], 'a town without renovations is listed by name at zero');
    const main = await page.locator('main').innerText();
    assert.ok(!/3101141\d\d/.test(main), 'the budget page shows a town code');
    assert.ok(await page.locator('#f-year-pick option[value="2021"]').count(), 'the year picker offers 2021');
    await fits(page);
    await axeCheck(page, 'flows-budget-zh');
    await shot(page, 'flows-budget-zh-390');
  });

  step('a budget that cannot be read is refused at its field, the text kept; "60万" is saved', () => district, async (page) => {
    await page.locator('#f-budget').fill('12,5OO');
    const resp = await navigating(page, () => page.locator('main form[method="post"] button[type="submit"]').click());
    assert.equal(resp?.status(), 422, `the refused budget answered ${resp?.status()}`);
    assert.equal(await page.locator('#f-budget').inputValue(), '12,5OO', 'the typed budget is kept');
    assert.equal(await page.locator('#f-budget').getAttribute('aria-invalid'), 'true');
    assert.match(await page.locator('#f-budget').getAttribute('aria-describedby'), /e-budget/);
    assert.ok((await text(page, '#e-budget')).includes('年度预算：“12,5OO”不是金额'), `the error names the field and quotes the text: "${await text(page, '#e-budget')}"`);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'error-summary', 'the focus is on the error summary');
    await fits(page);
    await axeCheck(page, 'flows-budget-error-zh');
    await shot(page, 'flows-budget-error-zh-390');
    await page.locator('#f-budget').fill('60万');
    await navigating(page, () => page.locator('main form[method="post"] button[type="submit"]').click());
    assert.ok((await page.locator('main').innerText()).includes('已保存'), `no confirmation on ${await whereAmI(page)}`);
    assert.equal(await text(page, '#budget-total'), '600,000.00 元');
    assert.equal(await text(page, '#budget-left'), '587,500.00 元');
    assert.equal(await page.locator('#f-budget').inputValue(), '600,000.00', 'the form shows the budget as set');
  });

  step('in English, another year from the picker: no budget yet, said plainly', () => district, async (page) => {
    await setPreference(page, 'lang', 'en');
    const next = String(new Date().getFullYear() + 1);
    await page.locator('#f-year-pick').selectOption(next);
    await navigating(page, () => page.locator('main form[method="get"] button[type="submit"]').click());
    const main = await page.locator('main').innerText();
    assert.ok(main.includes(`No budget is set for ${next}`), `the page should say no budget is set: ${main.slice(0, 300)}`);
    assert.equal(await text(page, '#budget-total'), '0.00 yuan');
    assert.ok((await townRow(page, 'Nanxiang')).length === 4, 'the towns are named in English');
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    await fits(page);
    await axeCheck(page, 'flows-budget-en');
    await shot(page, 'flows-budget-en-390');
    await setPreference(page, 'lang', 'zh');
  });

  // ---- home renovation: a quote corrected before approval (town staff) ----

  step('town staff quote a surveyed renovation at 12,500.50', () => town, async (page) => {
    await login(page, server.base, 'demo_town');
    await page.goto(`${server.base}/cases?show=open&type=home_renovation`);
    const links = await page.locator('main a[href^="/cases/"]').evaluateAll((as) => [...new Set(as.map((a) => a.getAttribute('href')))]);
    for (const href of links) {
      if (!/^\/cases\/\d+$/.test(href)) continue;
      await page.goto(server.base + href);
      if (await page.locator('input[name="action"][value="quote"]').count()) {
        renovationCase = href;
        break;
      }
    }
    assert.ok(renovationCase, `no open renovation case offers a quote among ${links.join(' ')}`);
    await act(page, 'quote', { contractor: '嘉定无障碍建设有限公司', cost: '12,500.50' });
    const main = await page.locator('main').innerText();
    assert.ok(main.includes('12,500.50 元'), `the case should show the quote as 12,500.50 元: ${await whereAmI(page)}`);
    assert.equal(await page.locator('input[name="action"][value="correct_quote"]').count(), 1, 'the quoted case offers to correct the quote');
  });

  step('the quote is corrected before approval: the history shows old → new; a bad amount keeps the text', () => town, async (page) => {
    let resp = await act(page, 'correct_quote', { cost: '八千' });
    assert.equal(resp?.status(), 422, `the unreadable amount answered ${resp?.status()}`);
    const form = page.locator('main form:has(input[name="action"][value="correct_quote"])');
    assert.equal(await form.locator('[name="cost"]').inputValue(), '八千', 'the typed amount is kept');
    assert.ok((await page.locator('#error-summary').innerText()).includes('“八千”不是金额'), 'the error quotes the text');
    resp = await act(page, 'correct_quote', { cost: '8,000元' });
    assert.equal(resp?.status(), 200, `the correction ended on HTTP ${resp?.status()}`);
    const history = await page.locator('#quote-history').locator('xpath=..').innerText().catch(() => '');
    assert.ok(history.includes('12,500.50 元 → 8,000.00 元'), `the quote history should show old → new: "${history}"`);
    assert.ok((await page.locator('main').innerText()).includes('8,000.00 元'), 'the case shows the corrected cost');
    await fits(page);
    await axeCheck(page, 'flows-quote-corrected-zh');
    await shot(page, 'flows-quote-corrected-zh-390');
    resp = await act(page, 'approve');
    assert.equal(resp?.status(), 200, `approve ended on HTTP ${resp?.status()}`);
    assert.ok((await page.locator('main').innerText()).includes('已批准'), 'the case is approved');
  });

  step('the district\'s by-town figures count the corrected amount', () => district, async (page) => {
    await page.goto(`${server.base}/renovation/budget`);
    const nanxiang = (await townRow(page, '南翔镇')).map((c) => c.trim());
    assert.deepEqual(nanxiang, ['南翔镇', '2', '20,500.00 元', '12,500.00 元'], 'Nanxiang: the demo renovation and the corrected one');
    assert.equal(await text(page, '#budget-left'), '579,500.00 元');
  });

  // ---- rehabilitation: attendance of a whole session list ----

  let rehabCase = '';
  step('town staff take the attendance of the session list with the keyboard', () => town, async (page) => {
    await page.goto(`${server.base}/rehab/schedule`);
    await navigating(page, () => page.locator('main a[href^="/rehab/attendance"]').first().click());
    // The demo plan may have today's session recorded already: the first day of the week back with someone to tick.
    let box = null;
    for (let back = 0; back < 7 && !box; back++) {
      if (back > 0) {
        const d = new Date(Date.now() + 8 * 3600_000 - back * 86400_000).toISOString().slice(0, 10);
        await page.goto(`${server.base}/rehab/attendance?date=${d}`);
      }
      const boxes = page.locator('main input[type="checkbox"][name="present"]');
      if (await boxes.count()) box = boxes.first();
    }
    assert.ok(box, `nobody to tick on the list in the last week: ${await whereAmI(page)}`);
    const id = await box.getAttribute('id');
    rehabCase = `/cases/${await box.getAttribute('value')}`;
    const label = await text(page, `label[for="${id}"]`);
    assert.ok(/^\p{Script=Han}{2,4}/u.test(label), `the list names the person: "${label}"`);
    assert.equal(await page.locator('#f-date').getAttribute('type'), 'date', 'the date is a date input');
    await fits(page);
    await axeCheck(page, 'flows-attendance-zh');
    await shot(page, 'flows-attendance-zh-390');
    await page.locator('#f-date').focus();
    await tabUntil(page, (f) => f.id === id, { what: `the checkbox of ${label}` });
    await page.keyboard.press('Space');
    assert.ok(await box.isChecked(), 'Space ticks the person');
    await tabUntil(page, (f) => f.tag === 'BUTTON' && f.desc.includes('保存出勤'), { what: 'the save button' });
    await navigating(page, () => page.keyboard.press('Enter'));
    const main = await page.locator('main').innerText();
    assert.ok(/已保存：记录 \d+ 人，其中参加 1 人/.test(main), `the list should confirm what was saved: ${main.slice(0, 300)}`);
    assert.ok(main.includes('已记录：参加'), 'the person is now recorded as attended');
    await axeCheck(page, 'flows-attendance-saved-zh');
  });

  step('the case lists the attended date; a date that cannot be read is refused quoting it', () => town, async (page) => {
    const shown = await page.locator('input[type="hidden"][name="date"]').first().inputValue();
    await page.goto(server.base + rehabCase);
    const sessions = await page.locator('#rehab-sessions').locator('xpath=..').innerText();
    assert.ok(sessions.includes(shown) && sessions.includes('已参加'), `the case should list ${shown} as attended: "${sessions.slice(0, 300)}"`);
    const resp = await page.goto(`${server.base}/rehab/attendance?date=${encodeURIComponent('2026年2月30日')}`);
    assert.equal(resp?.status(), 422);
    assert.ok((await text(page, '#e-date')).includes('“2026年2月30日”不是日历上的日期'), `the error quotes the date: "${await text(page, '#e-date')}"`);
    assert.equal(await page.locator('#f-date').getAttribute('aria-invalid'), 'true');
    await axeCheck(page, 'flows-attendance-date-error-zh');
    await setPreference(page, 'lang', 'en');
    await page.goto(`${server.base}/rehab/attendance?date=${shown}`);
    const main = await page.locator('main').innerText();
    assert.ok(main.includes('Take attendance') && main.includes('recorded: attended'), `the English list: ${main.slice(0, 300)}`);
    await fits(page);
    await axeCheck(page, 'flows-attendance-en');
    await shot(page, 'flows-attendance-en-390');
    await setPreference(page, 'lang', 'zh');
  });

  // ---- local projects in plain words ----

  step('town staff define a local project in Chinese only; a mistake names the field and keeps the typing', () => town, async (page) => {
    await page.goto(`${server.base}/towns/310114102/projects`);
    assert.equal(await page.locator('main [name^="field_name_"]').count(), 0, 'the form asks no internal field names');
    const form = page.locator('main form[action$="/projects"]');
    await form.locator('[name="name"]').fill('助残夜校');
    await form.locator('[name="field_label_zh_0"]').fill('上课地点');
    await form.locator('[name="field_label_zh_1"]').fill('等级');
    await form.locator('[name="field_kind_1"]').selectOption('enum');
    let resp = await navigating(page, () => form.locator('button[type="submit"]').click());
    assert.equal(resp?.status(), 422, `the project without choices answered ${resp?.status()}`);
    const err = await text(page, '#e-field_choices_1');
    assert.ok(err.includes('第 2 个字段“等级”'), `the error names the field by its label: "${err}"`);
    assert.ok(!/fields\[|label_zh|enum/.test(await page.locator('#error-summary').innerText()), 'the error names a machine key');
    assert.equal(await page.locator('[name="name"]').inputValue(), '助残夜校', 'the name is kept');
    assert.equal(await page.locator('[name="field_label_zh_1"]').inputValue(), '等级', 'the field is kept');
    assert.equal(await page.locator('[name="field_kind_1"]').inputValue(), 'enum', 'the kind is kept');
    await fits(page);
    await axeCheck(page, 'flows-project-error-zh');
    await shot(page, 'flows-project-error-zh-390');
    await page.locator('[name="field_choices_1"]').fill('初级，高级');
    resp = await navigating(page, () => page.locator('main form[action$="/projects"] button[type="submit"]').click());
    assert.equal(resp?.status(), 200);
    const main = await page.locator('main').innerText();
    assert.ok(main.includes('已定义项目“助残夜校”'), `the confirmation names the project: ${main.slice(0, 200)}`);
    assert.ok(main.includes('上课地点、等级'), 'the list shows the fields by their names');
    assert.ok(!/local_3101/.test(main), 'the page shows the project\'s code');
    await axeCheck(page, 'flows-project-zh');
    await setPreference(page, 'lang', 'en');
    const en = await page.locator('main').innerText();
    assert.ok(en.includes('助残夜校') && en.includes('Local projects'), 'in English the project keeps its Chinese name');
    await fits(page);
    await axeCheck(page, 'flows-project-en');
    await shot(page, 'flows-project-en-390');
    await setPreference(page, 'lang', 'zh');
  });
});
