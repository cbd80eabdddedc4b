// Issue 18: the day centres' staff pages, as town staff (`demo_town`, 南翔镇)
// on a tablet (768×1024):
// - district staff (`demo`) first enrol two more persons at the Sunshine Home
//   through the API, with an exception's reason (the demo town has one
//   person who meets its intake rule);
// - keyboard only: from the centre's page to today's roll call, everyone
//   ticked present by default; two persons unticked with Space (the summary
//   counts them), saved with Enter: the confirmation gives the counts; the
//   same roll call sent again says nothing changed;
// - a refused enrolment (a person outside the Sunshine Home's intake rule)
//   shows the rule's message and keeps the person chosen;
// - the home-visit list names the demo's person absent for two weeks;
// - at 390 px the centre's page does not scroll sideways.
// Axe in Chinese and English; screenshots ../artifacts/screenshots/centres-*.png.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { launchBrowser, navigating, withQuery, checkPage, axeCheck, assertFits } from '../lib/browser.js';
import { accountSession } from '../lib/session.js';
import { focused, focusTop, tabUntil } from '../lib/keyboard.js';

const FILE_TIMEOUT_MS = 6 * 60_000;
const STEP_TIMEOUT_MS = 120_000;
const TABLET = { width: 768, height: 1024 };
const PHONE = { width: 390, height: 844 };
// The demo's 南翔镇阳光之家 and 南翔镇阳光基地.
const HOME = 1;
const BASE = 2;

describe('centres: the staff pages', { timeout: FILE_TIMEOUT_MS }, () => {
  let server;
  let browser;
  before(async () => {
    server = await startServer('centres');
    browser = await launchBrowser();
  }, { timeout: FILE_TIMEOUT_MS });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });
  const env = () => ({ browser, base: server.base });
  const district = accountSession(env, 'demo', { viewport: TABLET });
  const town = accountSession(env, 'demo_town', { viewport: TABLET });
  const phone = accountSession(env, 'demo_town', { viewport: PHONE });
  after(() => district.close());
  after(() => town.close());
  after(() => phone.close());
  const url = (path, lang) => withQuery(`${server.base}${path}`, { lang });
  const text = async (page, sel) => (await page.locator(sel).first().innerText()).replace(/\s+/g, ' ');

  async function api(page, method, path, data, ...status) {
    const resp = await page.request.fetch(`${server.base}${path}`, { method, data });
    const body = await resp.text();
    assert.ok(status.includes(resp.status()), `${method} ${path}: ${resp.status()} ${body}`);
    return body ? JSON.parse(body) : null;
  }

  test('district staff enrol two more at the Sunshine Home by exception', { timeout: STEP_TIMEOUT_MS }, async () => {
    const { page } = await district.get();
    await page.goto(url('/', 'zh'));
    const base = await api(page, 'GET', `/api/v1/centres/${BASE}/enrolments`, undefined, 200);
    const two = base.items.filter((e) => e.state === 'enrolled').slice(0, 2);
    assert.equal(two.length, 2, 'the vocational base has two persons enrolled');
    for (const e of two) {
      await api(page, 'POST', `/api/v1/centres/${HOME}/enrolments`, { person_id: e.person_id, override_reason: '家属申请，区残联同意' }, 201, 409);
    }
    await page.goto(url(`/centres/${HOME}`, 'zh'));
    assert.match(await text(page, 'table:has(#enrolled-caption) tbody'), /破例招收/, 'the exception is tagged');
  });

  test('keyboard only: today\'s roll call, everyone present by default, two absent, saved once', { timeout: STEP_TIMEOUT_MS }, async () => {
    const { page, watch } = await town.get();
    watch.reset();
    await page.goto(url(`/centres/${HOME}`, 'zh'));
    await focusTop(page);
    await tabUntil(page, (f) => f.href === `/centres/${HOME}/rollcall`, { what: 'the roll-call link' });
    await navigating(page, () => page.keyboard.press('Enter'));
    assert.equal(new URL(page.url()).pathname, `/centres/${HOME}/rollcall`);
    const boxes = page.locator('#rollcall input[name=present]');
    const n = await boxes.count();
    assert.ok(n >= 3, `at least three persons on the roll call (${n})`);
    for (let i = 0; i < n; i++) assert.equal(await boxes.nth(i).isChecked(), true, 'everyone is present by default');
    const labels = await page.locator('#rollcall .rollcall-list label').allInnerTexts();
    assert.ok(labels.every((l) => l.trim().split(/\n+/).length >= 2), `each box is labelled with a name and a village: ${labels.join(' | ')}`);
    // The targets are large enough for a finger.
    const heights = await page.locator('#rollcall .rollcall-list label').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().height));
    assert.ok(heights.every((h) => h >= 44), `every person is a target of 44 px or more: ${heights.join(', ')}`);
    await checkPage(page, 'centres-rollcall-zh');
    // Untick two with Space: the person flagged for a home visit (still away) and another.
    const ids = await boxes.evaluateAll((els) => els.map((e) => e.value));
    const flagged = (await api(page, 'GET', '/api/v1/centre-absences', undefined, 200)).items.filter((a) => a.centre_id === HOME).map((a) => String(a.person_id));
    assert.ok(flagged.length >= 1 && ids.includes(flagged[0]), 'the flagged person is on the roll call');
    const absent = [flagged[0], ids.find((id) => id !== flagged[0])];
    for (const id of absent) {
      await focusBox(page, id);
      await page.keyboard.press('Space');
      assert.equal(await page.locator(`#rollcall input[value="${id}"]`).isChecked(), false, 'Space unticks the box');
    }
    assert.match(await text(page, '#rc-summary'), new RegExp(`出勤 ${n - 2} 人，缺勤 2 人`), 'the summary counts the absent');
    await tabUntil(page, (f) => f.tag === 'BUTTON' && f.type === 'submit' && /保存点名/.test(f.desc), { what: 'the save button' });
    await navigating(page, () => page.keyboard.press('Enter'));
    assert.match(await text(page, 'main'), new RegExp(`已保存：出勤 ${n - 2} 人，缺勤 2 人`), 'the confirmation gives the counts');
    for (const id of absent) assert.equal(await page.locator(`#rollcall input[value="${id}"]`).isChecked(), false, 'the absent stay unticked');
    // The same again (pressing save twice): nothing changes.
    await page.locator('#rollcall button[type=submit]').focus();
    await navigating(page, () => page.keyboard.press('Enter'));
    assert.match(await text(page, 'main'), /没有变化：这次点名已经保存过了/);
    assert.match(await text(page, '#rc-summary'), new RegExp(`出勤 ${n - 2} 人，缺勤 2 人`));
    await checkPage(page, 'centres-rollcall-saved-zh');
    // English.
    await page.goto(url(`/centres/${HOME}/rollcall`, 'en'));
    assert.match(await text(page, '#rc-summary'), new RegExp(`${n - 2} present, 2 absent`));
    await checkPage(page, 'centres-rollcall-en');
    assert.deepEqual(watch.problems(), []);
  });

  /** Tab to a person's box of the roll call (by the person's id). */
  async function focusBox(page, id) {
    for (let i = 0; i < 80; i++) {
      const f = await focused(page);
      if (f.name === 'present' && (await page.evaluate(() => document.activeElement.value)) === id) return;
      await page.keyboard.press('Tab');
    }
    assert.fail(`Tab never reached the box of person ${id}`);
  }

  test('the centre page in Chinese and English; a refused enrolment keeps the person', { timeout: STEP_TIMEOUT_MS }, async () => {
    const { page, watch } = await town.get();
    watch.reset();
    for (const lang of ['zh', 'en']) {
      assert.equal((await page.goto(url(`/centres/${HOME}`, lang)))?.status(), 200);
      assert.match(await text(page, 'h1'), lang === 'zh' ? /南翔镇阳光之家/ : /Nanxiang Sunshine Home/);
      await checkPage(page, `centres-home-${lang}`);
      assert.equal((await page.goto(url('/centres', lang)))?.status(), 200);
      assert.match(await text(page, 'table:has(#list-caption) tbody'), lang === 'zh' ? /南翔镇阳光基地/ : /Nanxiang Vocational Base/);
      await checkPage(page, `centres-list-${lang}`);
    }
    // Someone of the vocational base who is not intellectually disabled (or is older than 35).
    const base = await api(page, 'GET', `/api/v1/centres/${BASE}/enrolments`, undefined, 200);
    const home = await api(page, 'GET', `/api/v1/centres/${HOME}/enrolments`, undefined, 200);
    const there = new Set(home.items.map((e) => e.person_id));
    const p = base.items.find((e) => !there.has(e.person_id) && ((e.category !== 5 && e.category !== 7) || e.age > 35));
    assert.ok(p, 'a person outside the Sunshine Home\'s intake rule');
    await page.goto(url(`/centres/${HOME}`, 'zh'));
    const input = page.locator('#f-person_id');
    await input.focus();
    await page.keyboard.type(p.person_name, { delay: 30 });
    const options = page.locator('#l-person_id [role=option]');
    await options.first().waitFor();
    const ids = await options.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-id'))));
    const at = ids.indexOf(p.person_id);
    assert.ok(at >= 0, `${p.person_name} is among the matches`);
    for (let i = 0; i <= at; i++) await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    assert.equal(await page.locator('input[type=hidden][name=person_id]').inputValue(), String(p.person_id));
    await tabUntil(page, (f) => f.tag === 'BUTTON' && f.name === 'enrol', { what: 'the enrol button' });
    const resp = await navigating(page, () => page.keyboard.press('Enter'));
    assert.equal(resp?.status(), 422);
    const summary = await text(page, '.error-summary');
    assert.match(summary, /不符合招收条件：阳光之家接收16–35岁的智力残疾人/, 'the rule is named in the summary');
    assert.match(await text(page, '#e-person_id'), /阳光之家接收16–35岁的智力残疾人/, 'and at the picker');
    assert.match(await text(page, '#c-person_id'), new RegExp(`已选择：\\s*${p.person_name}`), 'the person stays chosen');
    assert.equal(await page.locator('input[type=hidden][name=person_id]').inputValue(), String(p.person_id));
    await axeCheck(page, 'centres-enrol-refused-zh');
    // The refusal's own 422 is what the browser logs, and nothing else.
    assert.deepEqual(watch.problems().filter((p) => !/status of 422/.test(p)), []);
  });

  test('the home-visit list names the person absent for two weeks; no sideways scroll at 390 px', { timeout: STEP_TIMEOUT_MS }, async () => {
    const { page, watch } = await phone.get();
    watch.reset();
    for (const lang of ['zh', 'en']) {
      assert.equal((await page.goto(url('/centres/absences', lang)))?.status(), 200);
      const rows = page.locator('table:has(#absences-caption) tbody tr');
      assert.ok((await rows.count()) >= 1, 'someone is flagged');
      assert.match(await text(page, 'table:has(#absences-caption) tbody'), lang === 'zh' ? /南翔镇阳光之家/ : /Nanxiang Sunshine Home/);
      assert.ok(await page.locator('table:has(#absences-caption) tbody a[href^="/persons/"]').count() >= 1, 'the person links to their page');
      await checkPage(page, `centres-absences-${lang}`);
      assert.equal((await page.goto(url(`/centres/${HOME}`, lang)))?.status(), 200);
      await assertFits(page);
      await checkPage(page, `centres-home-phone-${lang}`);
    }
    // The home page's card leads there.
    await page.goto(url('/', 'zh'));
    assert.ok(await page.locator('main a[href="/centres/absences"]').count() >= 1, 'the home card links to the list');
    assert.deepEqual(watch.problems(), []);
  });
});
