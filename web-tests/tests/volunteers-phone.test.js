// Issue 17: the volunteer's phone journey, at 390×844, Chinese then English.
// The test makes its own tasks through the API as demo_town (a task that
// began ten minutes ago, for a deterministic check-in; one overlapping the
// demo's sign-language task of tomorrow; one serving demo_person's record,
// begun five minutes ago) and uses the demo's own: today's home visit and
// tomorrow's sign-language task in 南翔镇.
// - demo_volunteer's home shows the next task and the hours waiting for
//   approval; /my/tasks lists the tasks to join; tomorrow's sign-language
//   task is joined by keyboard (it moves to "my next tasks", its button is
//   gone); an overlapping task is refused naming it; today's home visit
//   shows the address (today) and the contact as a tel: link (then staff
//   cancel it, as the test's own task may overlap it).
// - The test's task: signed up on its page, a wrong code refused at the
//   code field; the QR code's URL opened signed out goes through the
//   sign-in and back; "check in now"; checking out at once is refused
//   (less than a minute), a minute later recorded; /my/hours lists it
//   waiting for approval; staff opening the QR code's URL are told it is
//   for volunteers.
// - demo_person rates the task that served them, from the home page by
//   keyboard: without a choice the error links to it; with one, thanks; the
//   form is gone after.
// No volunteer page holds an 18-digit ID number or an 11-digit mobile.
// Axe and no sideways scrolling on every page; screenshots
// ../artifacts/screenshots/volunteers-phone-*-390.png.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { launchBrowser, newSession, navigating, withQuery, whereAmI, setPreference, checkPage, DEMO_PASSWORD } from '../lib/browser.js';
import { accountSession } from '../lib/session.js';
import { focusTop, tabUntil } from '../lib/keyboard.js';

const FILE_TIMEOUT_MS = 8 * 60_000;
const STEP_TIMEOUT_MS = 150_000;
const PHONE = { width: 390, height: 844 };

const SIGN_TITLE = '社区听障居民手语沟通协助';
const VISIT_TITLE = '上门探访与读报';

/** A Shanghai wall-clock time (day offset from today, hour) as RFC 3339. */
function shanghai(dayOffset, hour) {
  const now = new Date(Date.now() + 8 * 3600_000); // Shanghai's wall clock, read as UTC
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + dayOffset, hour - 8));
  return d.toISOString();
}

describe('volunteers on the phone', { timeout: FILE_TIMEOUT_MS }, () => {
  let server;
  let browser;
  before(async () => {
    server = await startServer('volunteers-phone');
    browser = await launchBrowser();
  }, { timeout: FILE_TIMEOUT_MS });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });
  const env = () => ({ browser, base: server.base });
  const volunteer = accountSession(env, 'demo_volunteer', { viewport: PHONE });
  const town = accountSession(env, 'demo_town', { viewport: PHONE });
  const person = accountSession(env, 'demo_person', { viewport: PHONE });
  after(() => volunteer.close());
  after(() => town.close());
  after(() => person.close());

  /** An API call in a signed-in context: its JSON answer, asserting the status. */
  async function api(page, method, path, data, status) {
    const resp = await page.request.fetch(`${server.base}${path}`, { method, data });
    const body = await resp.text();
    assert.equal(resp.status(), status, `${method} ${path}: ${body}`);
    return body ? JSON.parse(body) : null;
  }

  /** checkPage, and nothing of a served person's ID number or mobile on the page. */
  async function check(page, label) {
    const text = await page.locator('body').innerText();
    assert.doesNotMatch(text, /(?<!\d)\d{17}[\dXx](?!\d)/, `${label}: an ID number on a volunteer's page`);
    assert.doesNotMatch(text, /(?<!\d)1[3-9]\d{9}(?!\d)/, `${label}: a mobile number on a volunteer's page`);
    await checkPage(page, `volunteers-phone-${label}`);
  }

  const ids = {};
  let code = '';

  test('the data: the demo tasks, and the test’s own through the API', { timeout: STEP_TIMEOUT_MS }, async () => {
    const { page: staff } = await town.get();
    const { page: me } = await person.get();
    const who = await api(me, 'GET', '/api/v1/session', undefined, 200);
    assert.ok(who.user.person_id, 'demo_person has a record');
    const list = await api(staff, 'GET', '/api/v1/volunteer-tasks?limit=100', undefined, 200);
    for (const t of list.items) {
      if (t.title === SIGN_TITLE) ids.sign = t.id;
      if (t.title === VISIT_TITLE) ids.visit = t.id;
    }
    assert.ok(ids.sign && ids.visit, `the demo's tasks: ${JSON.stringify(ids)}`);
    ids.visitEnds = Date.parse(list.items.find((t) => t.id === ids.visit).ends_at);
    const now = Date.now();
    const mk = (t) => api(staff, 'POST', '/api/v1/volunteer-tasks', { orgunit: '310114102', slots: 3, contact_name: '南翔镇残联 顾老师', contact_phone: '02169120000', ...t }, 201);
    ids.now = (await mk({ title: '浏览器测试：陪同到社区卫生服务中心', kind: 'escort', place: '南翔镇社区卫生服务中心', help: '陪同挂号、取药',
      starts_at: new Date(now - 10 * 60_000).toISOString(), ends_at: new Date(now + 110 * 60_000).toISOString() })).id;
    ids.clash = (await mk({ title: '浏览器测试：社区助残日布置', kind: 'event', place: '南翔镇文体中心', help: '布置场地',
      starts_at: shanghai(1, 10), ends_at: shanghai(1, 12) })).id;
    ids.served = (await mk({ title: '浏览器测试：陪同康复训练', kind: 'rehab', place: '南翔镇康复站', help: '陪同做康复训练',
      person_id: who.user.person_id, starts_at: new Date(now - 5 * 60_000).toISOString(), ends_at: new Date(now + 55 * 60_000).toISOString() })).id;
    const full = await api(staff, 'GET', `/api/v1/volunteer-tasks/${ids.now}`, undefined, 200);
    code = full.checkin_code;
    assert.ok(code, 'staff get the check-in code');
  });

  test('the volunteer (Chinese): home, the tasks, joining by keyboard, an overlap refused, today’s home visit', { timeout: STEP_TIMEOUT_MS }, async () => {
    assert.ok(ids.now, 'the data was made');
    const { page, watch } = await volunteer.get();
    watch.reset();
    await page.goto(`${server.base}/`);
    await setPreference(page, 'lang', 'zh');
    const main = page.locator('main');
    assert.match(await main.innerText(), /您的下一项任务/);
    if (ids.visitEnds > Date.now()) {
      assert.ok(await main.locator(`a[href="/my/tasks/${ids.visit}"]`).count(), `the home shows today's home visit as the next task: ${await whereAmI(page)}`);
    }
    const pending = main.locator('a[href="/my/hours"]').first();
    assert.match((await pending.innerText()).replace(/\s+/g, ' '), /小时.*等待认定/, 'the hours waiting for approval');
    assert.match(await main.innerText(), /您可以做什么/);
    await check(page, 'home-zh');

    await page.goto(`${server.base}/my/tasks`);
    const join = page.locator(`#task-${ids.sign}`);
    assert.ok(await join.count(), 'tomorrow’s sign-language task is offered');
    await check(page, 'tasks-zh');
    // By keyboard: Tab to its sign-up button, Enter.
    await focusTop(page);
    await tabUntil(page, (f) => f.inMain && f.tag === 'BUTTON' && f.desc.includes(SIGN_TITLE), { what: 'the sign-up button of the sign-language task', max: 120 });
    await navigating(page, () => page.keyboard.press('Enter'));
    assert.match(await page.locator('.flash').innerText(), /报名成功/, `signed up: ${await whereAmI(page)}`);
    const next = await page.evaluate((id) => {
      const el = document.getElementById(`task-${id}`);
      return el?.closest('ul')?.getAttribute('aria-labelledby');
    }, ids.sign);
    assert.equal(next, 'next', 'the task moved to my next tasks');
    assert.equal(await page.locator(`form[action="/my/tasks/${ids.sign}/signup"]`).count(), 0, 'no second sign-up button');
    await check(page, 'tasks-joined-zh');

    // An overlapping task: refused, naming the other.
    await page.goto(`${server.base}/my/tasks/${ids.clash}`);
    await navigating(page, () => page.locator('#f-signup').click());
    assert.match(await page.locator('#e-signup').innerText(), new RegExp(`同一时间已报名“${SIGN_TITLE}”`));
    assert.equal(await page.locator('#error-summary a[href="#f-signup"]').count(), 1);
    await check(page, 'overlap-zh');

    // Today's home visit: the address, the contact as a tel: link.
    await page.goto(`${server.base}/my/tasks/${ids.visit}`);
    const facts = await page.locator('main dl.facts').first().innerText();
    assert.match(facts, /上门地址/, `the address is shown today: ${facts}`);
    assert.ok(await page.locator('main a[href^="tel:"]').count(), 'the contact is a tel: link');
    await check(page, 'visit-zh');
    await page.goto(withQuery(`${server.base}/my/tasks/${ids.visit}`, { lang: 'en' }));
    assert.match(await page.locator('main').innerText(), /Address of the visit/);
    await check(page, 'visit-en');
    assert.deepEqual(watch.problems().filter((p) => !/status of (409|422)/.test(p)), []);
  });

  test('the volunteer: sign up, a wrong code, the QR code signed out, check in, check out', { timeout: STEP_TIMEOUT_MS }, async () => {
    // The test's task may overlap today's home visit, which the demo
    // volunteer is signed up for: staff cancel the visit (its checks are done).
    const { page: staff } = await town.get();
    await api(staff, 'POST', `/api/v1/volunteer-tasks/${ids.visit}/cancel`, { reason: '浏览器测试：改期' }, 200);
    const { page, watch } = await volunteer.get();
    watch.reset();
    const path = `/my/tasks/${ids.now}`;
    await page.goto(`${server.base}${path}`);
    await navigating(page, () => page.locator('#f-signup').click());
    assert.match(await page.locator('.flash').innerText(), /报名成功/);
    // A wrong code: refused at the field, kept.
    await page.locator('#f-code').fill('12345678');
    await navigating(page, () => page.locator(`form[action="${path}/checkin"] button[type="submit"]`).click());
    assert.equal(await page.locator('#f-code').getAttribute('aria-invalid'), 'true');
    assert.match(await page.locator('#e-code').innerText(), /签到码与这项任务不符/);
    assert.equal(await page.locator('#f-code').inputValue(), '12345678');
    await check(page, 'wrong-code-zh');

    // The QR code on a phone not signed in: the sign-in brings it back.
    const qr = `/checkin/${ids.now}?code=${code}`;
    const fresh = await newSession(browser, server.base, { viewport: PHONE });
    try {
      const p = fresh.page;
      await p.goto(`${server.base}${qr}`);
      assert.equal(new URL(p.url()).pathname, '/login', 'signed out: the sign-in page');
      await p.locator('[name="username"]').fill('demo_volunteer');
      await p.locator('[name="password"]').fill(DEMO_PASSWORD);
      await navigating(p, () => p.locator('form:has([name="password"]) button[type="submit"]').click());
      const back = new URL(p.url());
      assert.equal(back.pathname + back.search, qr, `after the sign-in, back at the QR code's page: ${await whereAmI(p)}`);
      const now = p.locator('main form[action^="/checkin/"] button[type="submit"]');
      assert.match(await now.innerText(), /现在签到/);
      await check(p, 'qr-zh');
      await focusTop(p);
      await tabUntil(p, (f) => f.inMain && f.tag === 'BUTTON', { what: 'the check-in button', max: 40 });
      await navigating(p, () => p.keyboard.press('Enter'));
      assert.equal(new URL(p.url()).pathname, path, `checked in: ${await whereAmI(p)}`);
      assert.match(await p.locator('.flash').innerText(), /已签到/);
    } finally {
      await fresh.context.close();
    }

    // Checking out at once: less than a minute, refused; a minute later, recorded.
    await page.goto(`${server.base}${path}`);
    await check(page, 'checked-in-zh');
    await navigating(page, () => page.locator('#f-checkout').click());
    assert.match(await page.locator('#e-checkout').innerText(), /不到一分钟/);
    await check(page, 'checkout-early-zh');
    await page.waitForTimeout(61_000);
    await navigating(page, () => page.locator('#f-checkout').click());
    assert.match(await page.locator('.flash').innerText(), /已签退，记录了1分钟，等待认定/, `checked out: ${await whereAmI(page)}`);
    assert.match(await page.locator('#my-hours').innerText(), /等待认定/);
    await check(page, 'checked-out-zh');

    await page.goto(`${server.base}/my/hours`);
    const row = page.locator('main tbody tr', { hasText: '浏览器测试：陪同到社区卫生服务中心' });
    assert.match(await row.innerText(), /1分钟[\s\S]*等待认定/);
    assert.ok(await page.locator('main a[href^="/volunteers/"][href*="/certificate?year="]').count(), 'the certificate link');
    await check(page, 'hours-zh');
    assert.deepEqual(watch.problems().filter((p) => !/status of (409|422)/.test(p)), []);
  });

  test('the volunteer (English): the pages read in English', { timeout: STEP_TIMEOUT_MS }, async () => {
    const { page, watch } = await volunteer.get();
    watch.reset();
    await page.goto(`${server.base}/`);
    await setPreference(page, 'lang', 'en');
    assert.match(await page.locator('main').innerText(), /Your next task[\s\S]*What you can do/);
    await check(page, 'home-en');
    await page.goto(`${server.base}/my/tasks`);
    assert.match(await page.locator('main').innerText(), /My next tasks[\s\S]*Tasks you can join[\s\S]*Done and past tasks/);
    await check(page, 'tasks-en');
    await page.goto(`${server.base}/my/tasks/${ids.now}`);
    assert.match(await page.locator('#my-hours').innerText(), /1 minute[\s\S]*waiting for approval/);
    await check(page, 'task-en');
    await page.goto(`${server.base}/checkin/${ids.now}?code=${code}`);
    assert.match(await page.locator('main').innerText(), /checked in and out/);
    await check(page, 'qr-done-en');
    await page.goto(withQuery(`${server.base}/my/hours`, { year: String(new Date().getFullYear()) }));
    assert.match(await page.locator('main').innerText(), /Waiting for approval/);
    await check(page, 'hours-en');
    await page.goto(`${server.base}/`);
    await setPreference(page, 'lang', 'zh');
    assert.deepEqual(watch.problems(), []);
  });

  test('staff opening the QR code’s URL are told it is for volunteers', { timeout: STEP_TIMEOUT_MS }, async () => {
    const { page } = await town.get();
    await page.goto(`${server.base}/checkin/${ids.now}?code=${code}`);
    assert.match(await page.locator('main').innerText(), /给志愿者在现场扫码签到用的/);
    assert.ok(await page.locator(`main a[href="/volunteer-tasks/${ids.now}"]`).count(), 'a link to the task’s staff page');
    await checkPage(page, 'volunteers-phone-qr-staff-zh');
  });

  test('the served person rates the task by keyboard, once', { timeout: STEP_TIMEOUT_MS }, async () => {
    const { page, watch } = await person.get();
    watch.reset();
    await page.goto(`${server.base}/`);
    await setPreference(page, 'lang', 'zh');
    const href = `/my/volunteer-feedback/${ids.served}`;
    assert.ok(await page.locator(`main a[href="${href}"]`).count(), `the home page offers the task to rate: ${await whereAmI(page)}`);
    await checkPage(page, 'volunteers-phone-person-home-zh');
    await focusTop(page);
    await tabUntil(page, (f) => f.inMain && f.href === href, { what: 'the link to rate the task', max: 80 });
    await navigating(page, () => page.keyboard.press('Enter'));
    assert.equal(new URL(page.url()).pathname, href);
    assert.equal(await page.locator('input[type="radio"][name="rating"]').count(), 5);
    assert.match(await page.locator('label[for="f-rating-1"]').innerText(), /很不满意/);
    assert.match(await page.locator('label[for="f-rating-5"]').innerText(), /很满意/);
    await checkPage(page, 'volunteers-phone-feedback-zh');
    await page.locator('#f-comment').fill('小陈很耐心');
    await navigating(page, () => page.locator('main form button[type="submit"]').click());
    assert.equal(await page.locator('#error-summary a[href="#f-rating"]').count(), 1, `the error links to the choice: ${await whereAmI(page)}`);
    assert.equal(await page.locator('#f-comment').inputValue(), '小陈很耐心');
    await checkPage(page, 'volunteers-phone-feedback-error-zh');
    await focusTop(page);
    await tabUntil(page, (f) => f.name === 'rating', { what: 'the rating choices' });
    await page.keyboard.press('Space');
    for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowDown');
    assert.equal(await page.locator('#f-rating-5').isChecked(), true, '5 is chosen');
    await tabUntil(page, (f) => f.tag === 'BUTTON' && f.inMain && f.type === 'submit', { what: 'the send button', max: 5 });
    await navigating(page, () => page.keyboard.press('Enter'));
    assert.match(await page.locator('main').innerText(), /谢谢您的评价/);
    assert.match(await page.locator('#feedback-given').innerText(), /5 · 很满意[\s\S]*小陈很耐心/);
    assert.equal(await page.locator('main form').count(), 0, 'rated: no second form');
    await checkPage(page, 'volunteers-phone-feedback-given-zh');
    await page.goto(withQuery(`${server.base}${href}`, { lang: 'en' }));
    assert.match(await page.locator('main').innerText(), /Your feedback[\s\S]*Very satisfied/);
    await checkPage(page, 'volunteers-phone-feedback-given-en');
    assert.deepEqual(watch.problems().filter((p) => !/status of 422/.test(p)), []);
  });
});
