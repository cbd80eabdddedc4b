// Issue 18: sport, culture and skills events, as district staff (`demo`) on a
// phone (390 px), keyboard only, in Chinese and English:
// - /events lists the demo's events, upcoming and past, by name of unit;
// - a new event for today is made through /events/new (without a title it
//   is refused at the field, the rest kept), by keyboard;
// - on its page a demo person is found with the picker and registered, their
//   attendance marked and a result (1st place and an award) recorded;
// - the month's calendar lists the event on its day;
// - the person account sees its events at /my/events;
// - with no partner districts set up (issue 20), /events and the shared arts
//   festival's page say so.
// Axe and no sideways scrolling on each page; screenshots
// ../artifacts/screenshots/events-*.png.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { launchBrowser, navigating, withQuery, whereAmI, checkPage, setPreference } from '../lib/browser.js';
import { accountSession } from '../lib/session.js';

const FILE_TIMEOUT_MS = 6 * 60_000;
const STEP_TIMEOUT_MS = 120_000;
const PHONE = { width: 390, height: 844 };

/** Today in Shanghai, YYYY-MM-DD. */
const today = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());

describe('events: the staff pages', { timeout: FILE_TIMEOUT_MS }, () => {
  let server;
  let browser;
  before(async () => {
    server = await startServer('events');
    browser = await launchBrowser();
  }, { timeout: FILE_TIMEOUT_MS });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });
  const env = () => ({ browser, base: server.base });
  const district = accountSession(env, 'demo', { viewport: PHONE });
  const person = accountSession(env, 'demo_person', { viewport: PHONE });
  after(() => district.close());
  after(() => person.close());
  const url = (path, lang) => withQuery(`${server.base}${path}`, { lang });
  const speak = async (page, lang) => {
    await page.goto(`${server.base}/`);
    await setPreference(page, 'lang', lang);
  };
  const text = async (page, sel) => (await page.locator(sel).first().innerText()).replace(/\s+/g, ' ');
  const press = async (page, sel, key = 'Enter') => {
    await page.locator(sel).first().focus();
    await navigating(page, () => page.keyboard.press(key));
  };

  // A demo person the district sees (the first of /persons), by name and id.
  let target;
  const someone = async (page) => {
    if (target) return target;
    await page.goto(`${server.base}/persons`);
    const link = page.locator('main tbody tr td:first-child a, main tbody tr th a').first();
    const href = await link.getAttribute('href');
    target = { id: Number(href.split('/').pop()), name: (await link.innerText()).trim() };
    return target;
  };

  test('the list shows the demo events, upcoming and past', { timeout: STEP_TIMEOUT_MS }, async () => {
    const { page, watch } = await district.get();
    watch.reset();
    for (const lang of ['zh', 'en']) {
      assert.equal((await page.goto(url('/events', lang)))?.status(), 200);
      const upcoming = await text(page, 'table:has(#upcoming-caption) tbody');
      const past = await text(page, 'table:has(#past-caption) tbody');
      assert.match(upcoming, /嘉昆太残疾人文化艺术节/);
      assert.match(past, /嘉定区残疾人综合运动会/);
      assert.doesNotMatch(upcoming + past, /310114\d*/, 'units by name, not code');
      await checkPage(page, `events-list-${lang}`);
      // The filter by kind keeps its choice.
      await page.locator('#f-kind').selectOption('skills');
      await press(page, 'form[role="search"] button[type="submit"]');
      assert.equal(await page.locator('#f-kind').inputValue(), 'skills');
      assert.match(await text(page, 'table:has(#past-caption) tbody'), /职业技能竞赛/);
      assert.doesNotMatch(await text(page, 'table:has(#past-caption) tbody'), /运动会/);
    }
    assert.deepEqual(watch.problems(), []);
  });

  for (const lang of ['zh', 'en']) {
    test(`an event made, a person registered, attended and ranked, by keyboard (${lang})`, { timeout: STEP_TIMEOUT_MS }, async () => {
      const { page, watch } = await district.get();
      const p = await someone(page);
      await speak(page, lang);
      watch.reset();
      await page.goto(`${server.base}/events`);
      await press(page, 'main a[href="/events/new"]');
      assert.equal(new URL(page.url()).pathname, '/events/new');
      await checkPage(page, `events-new-${lang}`);
      const title = lang === 'en' ? 'Wheelchair table tennis open' : '轮椅乒乓球公开赛';
      // Without a title: refused at the field, the rest kept.
      await page.locator('#f-kind').selectOption('sport');
      await page.locator('#f-date').fill(today());
      await page.locator('#f-place').focus();
      await page.keyboard.type(lang === 'en' ? 'District sports centre' : '区体育中心');
      await page.locator('#f-places').focus();
      await page.keyboard.press('Control+A');
      await page.keyboard.type('30');
      assert.deepEqual(watch.problems(), []);
      await press(page, 'main form .actions button[type="submit"]');
      watch.reset(); // the refusal answers 422, which the browser logs
      assert.equal(await page.locator('#error-summary a[href="#f-title"]').count(), 1, `the error links to the title: ${await whereAmI(page)}`);
      assert.equal(await page.locator('#f-title').getAttribute('aria-invalid'), 'true');
      assert.equal(await page.locator('#f-places').inputValue(), '30', 'the places are kept');
      assert.equal(await page.locator('#f-date').inputValue(), today(), 'the date is kept');
      assert.equal(await page.locator('#f-kind').inputValue(), 'sport');
      await checkPage(page, `events-new-error-${lang}`);
      await page.locator('#f-title').focus();
      await page.keyboard.type(title);
      await press(page, 'main form .actions button[type="submit"]');
      assert.match(new URL(page.url()).pathname, /^\/events\/\d+$/, `made: ${await whereAmI(page)}`);
      assert.equal(await text(page, 'h1'), title);
      assert.match(await text(page, '.flash'), lang === 'en' ? /published/ : /活动已发布/);
      await checkPage(page, `events-page-${lang}`);

      // The picker: the person's name, arrow down to them, Enter; then register.
      const input = page.locator('#f-person_id');
      await input.focus();
      await page.keyboard.type(p.name, { delay: 30 });
      const options = page.locator('#l-person_id [role=option]');
      await options.first().waitFor();
      const ids = await options.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-id'))));
      const at = ids.indexOf(p.id);
      assert.ok(at >= 0, `${p.name} is not among the matches`);
      for (let i = 0; i <= at; i++) await page.keyboard.press('ArrowDown');
      await page.keyboard.press('Enter');
      assert.equal(await page.locator('input[type=hidden][name=person_id]').inputValue(), String(p.id));
      await press(page, 'form[action$="/registrations"] .actions button[type=submit]');
      assert.match(await text(page, '.flash'), lang === 'en' ? /Registered/ : /已报名/, await whereAmI(page));
      const entries = () => text(page, 'table:has(#entries-caption) tbody');
      assert.match(await entries(), new RegExp(p.name));
      assert.doesNotMatch(await entries(), /\d{17}[\dX]|1\d{10}/, 'no ID number or phone');

      // Attendance, then the result.
      await press(page, `form[action$="/attendance"]:has(input[value="${p.id}"]) button`);
      assert.match(await text(page, '.flash'), lang === 'en' ? /Attendance recorded/ : /已记录到场/, await whereAmI(page));
      await page.locator(`#f-place-${p.id}`).focus();
      await page.keyboard.type('1');
      await page.locator(`#f-award-${p.id}`).focus();
      await page.keyboard.type(lang === 'en' ? 'Gold' : '金牌');
      await navigating(page, () => page.keyboard.press('Enter'));
      assert.match(await text(page, '.flash'), lang === 'en' ? /result is recorded/ : /成绩已记录/, await whereAmI(page));
      assert.equal(await page.locator(`#f-place-${p.id}`).inputValue(), '1');
      assert.equal(await page.locator(`#f-award-${p.id}`).inputValue(), lang === 'en' ? 'Gold' : '金牌');
      await checkPage(page, `events-page-attended-${lang}`);

      // The calendar of this month lists it on its day.
      assert.equal((await page.goto(`${server.base}/events/calendar?month=${today().slice(0, 7)}`))?.status(), 200);
      const day = page.locator(`table:has(#events-${today()})`);
      assert.match(await day.innerText(), new RegExp(title));
      assert.equal(await page.locator('h1').count(), 1);
      await checkPage(page, `events-calendar-${lang}`);
      assert.deepEqual(watch.problems(), []);
    });
  }

  // Issue 20: the partner districts' shared events. The browser tests set
  // up no partner districts: the section and the organiser's table say so.
  test('with no partner districts set up, the partner sections say so', { timeout: STEP_TIMEOUT_MS }, async () => {
    const { page, watch } = await district.get();
    watch.reset();
    for (const lang of ['zh', 'en']) {
      assert.equal((await page.goto(url('/events', lang)))?.status(), 200);
      assert.equal(await page.locator('h2#partners').innerText(), lang === 'zh' ? '合作区共享活动' : "Partner districts' shared events");
      const after = (await page.locator('h2#partners + p').innerText()).trim();
      assert.match(after, lang === 'zh' ? /尚未设置合作区/ : /No partner districts are set up/);
      await checkPage(page, `events-partners-none-${lang}`);
      // The shared arts festival (demo event 2): the participants from
      // partner districts, none set up.
      assert.equal((await page.goto(url('/events/2', lang)))?.status(), 200);
      assert.match(await text(page, 'h1'), /嘉昆太/);
      assert.equal(await page.locator('h2#partner-counts').innerText(), lang === 'zh' ? '合作区参与人数' : 'Participants from partner districts');
      assert.match(await text(page, 'table:has(#partner-counts-caption) tbody'),
        lang === 'zh' ? /尚未设置合作区/ : /No partner districts are set up/);
      await checkPage(page, `events-partner-counts-none-${lang}`);
    }
    assert.deepEqual(watch.problems(), []);
  });

  test('the person account sees its events', { timeout: STEP_TIMEOUT_MS }, async () => {
    const { page, watch } = await person.get();
    watch.reset();
    for (const lang of ['zh', 'en']) {
      assert.equal((await page.goto(url('/my/events', lang)))?.status(), 200);
      assert.match(await text(page, 'main'), /助残日趣味运动会/, 'registered for the sports day');
      await checkPage(page, `events-mine-${lang}`);
    }
    assert.deepEqual(watch.problems(), []);
  });
});
