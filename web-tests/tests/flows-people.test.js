// Issue 14, no dead ends for employers and for disabled people themselves,
// and the annual form, each as its real user on a phone (390 px):
// - the employer's home shows its quota position, its vacancies and the
//   candidates recommended to it; town staff recommend a matched seeker from
//   the vacancy page (keyboard); the employer sees the candidate and accepts;
// - ending an employment asks for the last day and a confirmation: without
//   the tick nothing ends and the typed date is kept;
// - the disabled person's own request says what happens next and whom to
//   contact, by name; their home lists their annual answers;
// - the village assistant's annual form for a person over 40 asks no
//   schooling or graduation question, records "unknown" (not "no"), shows
//   last year's answers and who changed it last, reads "修改"/"Edit".
// Chinese and English, axe and no sideways scrolling at each state;
// screenshots in ../artifacts/screenshots/flows-*.png.
// The steps share one server and run in order; a failed step skips the rest.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { launchBrowser, newSession, navigating, whereAmI, login, axeCheck, setPreference, shot, assertFits } from '../lib/browser.js';

const FILE_TIMEOUT_MS = 15 * 60_000;
const STEP_TIMEOUT_MS = 180_000; // the machine may be busy
const WIDTH = 390;

describe('flows of people: employer, staff, the person, the annual form (390 px)', { timeout: FILE_TIMEOUT_MS }, () => {
  let server;
  let browser;
  const sessions = {}; // by username: { context, page, watch }
  let failed = null;
  let vacancyPath = '';
  let employerPath = '';

  before(async () => {
    server = await startServer('flows-people');
    browser = await launchBrowser();
  }, { timeout: FILE_TIMEOUT_MS });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** The signed-in session of a demo account, at 390 px (made on first use). */
  const as = async (username) => {
    if (!sessions[username]) {
      const s = await newSession(browser, server.base, { viewport: { width: WIDTH, height: 844 } });
      await login(s.page, server.base, username);
      sessions[username] = s;
    }
    return sessions[username];
  };

  const step = (name, username, fn) =>
    test(name, { timeout: STEP_TIMEOUT_MS }, async (t) => {
      if (failed) {
        t.skip(`needs the step "${failed}", which failed`);
        return;
      }
      const s = await as(username);
      s.watch.reset();
      try {
        await fn(s.page);
      } catch (err) {
        failed = name;
        throw err;
      }
      // Refused forms answer 409/422 on purpose; Chromium logs that as a failed load.
      const problems = s.watch.problems().filter((p) => !/status of (409|422) /.test(p));
      if (problems.length) assert.fail(`${name}:\n  - ${problems.join('\n  - ')}`);
    });

  /** The page does not scroll sideways at WIDTH. */
  const fits = (page) => assertFits(page, WIDTH);

  /** The text of main, spaces folded. */
  const mainText = async (page) => (await page.locator('main').textContent()).replace(/\s+/g, ' ');

  /** Press Enter on a focused control and wait for the next page. */
  const enterOn = (page, locator) =>
    navigating(page, async () => {
      await locator.focus();
      await page.keyboard.press('Enter');
    });

  // --- The employer and staff ---

  step('the employer\'s home shows its quota position, its vacancies and the candidates', 'demo_employer', async (page) => {
    await page.goto(`${server.base}/`);
    const text = await mainText(page);
    assert.match(text, /\d{4} 年按比例安排残疾人就业/, 'the home should have the quota section');
    for (const want of ['在职职工人数（年平均）', '应安排残疾人（按比例）', '已安排残疾人（折算）', '应缴保障金（元）', '本单位的岗位', '残联推荐给本单位的人选']) {
      assert.ok(text.includes(want), `the employer's home should show "${want}"`);
    }
    const vacancies = await page.locator('main a[href^="/vacancies/"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')).filter((h) => /^\/vacancies\/\d+$/.test(h)));
    assert.ok(vacancies.length > 0, 'the home should link the employer\'s vacancies');
    vacancyPath = vacancies[0];
    const own = page.locator('nav a[href^="/employers/"]');
    assert.ok(await own.count(), 'the navigation should link the employer\'s own page');
    employerPath = await own.first().getAttribute('href');
    await fits(page);
    await axeCheck(page, 'flows-employer-home-zh');
    await shot(page, 'flows-employer-home-zh-390');
  });

  step('town staff recommend the best-matched seeker from the vacancy page, by keyboard', 'demo_town', async (page) => {
    await page.goto(server.base + vacancyPath);
    const button = page.locator('main form[action$="/recommend"] button').first();
    assert.ok(await button.count(), `the match list on ${vacancyPath} should offer "推荐…" buttons`);
    const label = (await button.textContent()).trim();
    assert.match(label, /^推荐\S+/, `the button should name the person: "${label}"`);
    sessions.demo_town.candidate = label.replace(/^推荐/, '');
    await enterOn(page, button);
    assert.match(new URL(page.url()).search, /saved=recommended/, `after recommending: ${await whereAmI(page)}`);
    const text = await mainText(page);
    assert.ok(text.includes('已推荐给用人单位'), 'the page should confirm the recommendation');
    const row = page.locator('#proposals + p, #proposals ~ div table tbody tr', { hasText: sessions.demo_town.candidate });
    assert.ok(await row.count(), `the recommended candidate ${sessions.demo_town.candidate} should be listed`);
    assert.ok(text.includes('待单位答复'), 'the recommendation should await the employer');
    await fits(page);
    await axeCheck(page, 'flows-recommended-zh');
    await shot(page, 'flows-recommended-zh-390');
  });

  step('the employer sees the candidate on its home and accepts them for an interview (English)', 'demo_employer', async (page) => {
    const who = sessions.demo_town.candidate;
    await page.goto(`${server.base}/`);
    await setPreference(page, 'lang', 'en');
    let text = await mainText(page);
    assert.ok(text.includes(who) && text.includes('awaiting the employer'), `the home should list ${who}, awaiting the employer`);
    assert.ok(!/\d{6}(19|20)\d{2}/.test(text), 'the employer\'s home shows no ID number');
    await fits(page);
    await axeCheck(page, 'flows-employer-home-en');
    await page.goto(server.base + vacancyPath);
    const accept = page.locator(`main form[action$="/accept"] button`, { hasText: who });
    assert.equal(await accept.count(), 1, `the vacancy page should offer to interview ${who}`);
    await enterOn(page, accept);
    text = await mainText(page);
    assert.ok(text.includes('Accepted for an interview'), `after accepting: ${await whereAmI(page)}`);
    assert.ok(text.includes('accepted for an interview'), 'the candidate\'s status should be accepted');
    await fits(page);
    await axeCheck(page, 'flows-accepted-en');
    await shot(page, 'flows-accepted-en-390');
    await setPreference(page, 'lang', 'zh');
  });

  step('ending an employment asks for the date and a confirmation', 'demo_town', async (page) => {
    await page.goto(server.base + employerPath);
    const end = page.locator('main a[href*="/employees/end?person_id="]').first();
    assert.ok(await end.count(), `${employerPath} should offer to record that an employee left`);
    const name = (await end.textContent()).replace(/^登记\s*|\s*离职…$/g, '');
    await navigating(page, () => end.click());
    assert.ok(await page.locator('#f-until_date').count(), 'the end page should ask for the last day');
    assert.ok(await page.locator('#f-confirm').count(), 'the end page should ask for a confirmation');
    await fits(page);
    await axeCheck(page, 'flows-end-zh');
    // Without the tick nothing ends; the date typed stays.
    await page.locator('#f-until_date').fill('2026-01-31');
    let resp = await navigating(page, () => page.locator('main form button[type="submit"]').click());
    assert.equal(resp?.status(), 422, `without the confirmation: HTTP ${resp?.status()}`);
    assert.equal(await page.locator('#f-until_date').inputValue(), '2026-01-31', 'the typed date should be kept');
    const summary = await page.locator('#error-summary').textContent();
    assert.ok(summary.includes('请勾选确认此人已经离职'), `the error should ask for the confirmation: "${summary}"`);
    await fits(page);
    await axeCheck(page, 'flows-end-refused-zh');
    await shot(page, 'flows-end-refused-zh-390');
    // Confirmed: the employee has left on that day.
    await page.locator('#f-confirm').check();
    resp = await navigating(page, () => page.locator('main form button[type="submit"]').click());
    assert.equal(new URL(page.url()).pathname, employerPath, `after confirming: ${await whereAmI(page)}`);
    const text = await mainText(page);
    assert.ok(text.includes('残疾职工登记已保存') && text.includes('2026-01-31'), `the employee ${name} should have left on 2026-01-31`);
  });

  // --- The disabled person ---

  step('the person\'s own request says what happens next and whom to contact', 'demo_person', async (page) => {
    await page.goto(`${server.base}/cases/new`);
    const types = page.locator('main input[name="service_type"], main select[name="service_type"]');
    assert.ok(await types.count(), 'the request form should offer services');
    if (await page.locator('main select[name="service_type"]').count()) {
      await page.locator('main select[name="service_type"]').selectOption({ index: 1 });
    } else {
      await types.first().check();
    }
    await page.locator('main [name="need"]').fill('想申请一项服务，请联系我。');
    await navigating(page, () => page.locator('main form button[type="submit"]').last().click());
    assert.match(new URL(page.url()).pathname, /^\/cases\/\d+$/, `after the request: ${await whereAmI(page)}`);
    const next = await page.locator('#what-next').textContent();
    assert.match(next, /接下来：/, 'the request should say what happens next');
    assert.match(next, /由.*(工作人员|助残员).*办理/, `the next step should say who does it: "${next}"`);
    const contact = await page.locator('#contact').textContent();
    assert.match(contact, /请联系\S+村|请联系\S+(居委|社区)|请联系\S+/, `the request should say whom to contact: "${contact}"`);
    assert.match(contact, /残联/, `the contact should name the town federation: "${contact}"`);
    await fits(page);
    await axeCheck(page, 'flows-request-zh');
    await shot(page, 'flows-request-zh-390');
    await setPreference(page, 'lang', 'en');
    assert.match(await page.locator('#what-next').textContent(), /What happens next:/);
    assert.match(await page.locator('#contact').textContent(), /contact the disability assistant of \S+/);
    await axeCheck(page, 'flows-request-en');
    await setPreference(page, 'lang', 'zh');
    // Their home lists their annual answers.
    await page.goto(`${server.base}/me`);
    const me = await mainText(page);
    assert.ok(me.includes('我的年度状况') && me.includes('就业状况'), '/me should show the annual answers');
    await fits(page);
    await axeCheck(page, 'flows-me-zh');
  });

  // --- The village assistant's annual form ---

  step('the annual form of a person over 40 asks no schooling, records unknown, shows last year and who changed it', 'demo_village', async (page) => {
    await page.goto(`${server.base}/persons`);
    const links = await page.locator('main a[href^="/persons/"]').evaluateAll((as) => [...new Set(as.map((a) => a.getAttribute('href')).filter((h) => /^\/persons\/\d+$/.test(h)))]);
    let form = '';
    for (const href of links.slice(0, 30)) {
      await page.goto(server.base + href);
      const facts = await mainText(page);
      const age = Number((facts.match(/（(\d+) 岁）/) || [])[1] || 0);
      if (age > 40) {
        form = await page.locator('main a[href*="/annual/"]').first().getAttribute('href');
        assert.match(await page.locator('main a[href*="/annual/"]').first().textContent(), /^修改 \d{4} 年度状况$/, 'the link should read 修改 when the record exists');
        break;
      }
    }
    assert.ok(form, 'no person over 40 among the village\'s first persons');
    await page.goto(server.base + form);
    assert.match(await page.locator('h1').textContent(), /^修改 \d{4} 年度状况/, 'the heading should read 修改');
    for (const q of ['school_enrolled', 'college_graduate']) {
      assert.equal(await page.locator(`main [name="${q}"]`).count(), 0, `the form should not ask ${q} of a person over 40`);
    }
    assert.match(await page.locator('#skipped').textContent(), /义务教育在学/, 'the form should say which questions were left out');
    assert.match(await page.locator('#last-change').textContent(), /最近修改：\S/, 'the form should say who changed it last');
    assert.match(await page.locator('#l-rehab_need').textContent(), /^\d{4} 年：(是|否|不详)$/, 'the form should show last year\'s answer');
    // Keyboard: choose 不详 for the rehabilitation need, then save.
    await page.locator('#f-rehab_need-unknown').focus();
    await page.keyboard.press('Space');
    assert.ok(await page.locator('#f-rehab_need-unknown').isChecked(), 'Space should choose 不详');
    await enterOn(page, page.locator('main form button[type="submit"]'));
    assert.match(new URL(page.url()).search, /saved=1/, `after saving: ${await whereAmI(page)}`);
    assert.ok(await page.locator('#f-rehab_need-unknown').isChecked(), 'the saved record should say 不详, not 否');
    assert.ok(!(await page.locator('#f-rehab_need-0').isChecked()), 'unknown is not no');
    assert.match(await page.locator('#last-change').textContent(), /村居助残员演示账户/, 'the last change should name the assistant');
    await fits(page);
    await axeCheck(page, 'flows-annual-zh');
    await shot(page, 'flows-annual-zh-390');
    await setPreference(page, 'lang', 'en');
    assert.match(await page.locator('h1').textContent(), /^Edit the annual record \d{4}/);
    assert.match(await page.locator('#skipped').textContent(), /Not asked at this age/);
    await fits(page);
    await axeCheck(page, 'flows-annual-en');
    await shot(page, 'flows-annual-en-390');
    await setPreference(page, 'lang', 'zh');
  });
});
