// Issue 17: the staff's pages of the volunteer corps, as district staff
// (`demo`) on a phone (390 px), in Chinese and English:
// - the overview shows the year's hours by team and town (by name), the
//   teams and the hours waiting for approval;
// - a new volunteer with a bad phone number comes back with the error at
//   the field and everything typed kept, then is added;
// - a task for tomorrow in 南翔镇 is made through the form; on its page a
//   suggested volunteer (with the reasons) is signed up by keyboard, and
//   the QR code page shows the code as an image with a text alternative;
// - in the approval queue a rejection without a reason is refused at its
//   field, one entry is rejected with a reason, another approved;
// - a volunteer's certificate of hours prints their approved hours, and the
//   volunteer account opens its own, not another's.
// Axe and no sideways scrolling on each page; screenshots
// ../artifacts/screenshots/volunteers-staff-*.png.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { launchBrowser, navigating, withQuery, whereAmI, checkPage, setPreference } from '../lib/browser.js';
import { accountSession } from '../lib/session.js';
import { focusTop, tabUntil } from '../lib/keyboard.js';

const FILE_TIMEOUT_MS = 6 * 60_000;
const STEP_TIMEOUT_MS = 120_000;
const PHONE = { width: 390, height: 844 };
// The demo's volunteer account's volunteer (陈晓燕, 南翔镇): the last of the 25 demo volunteers.
const DEMO_VOLUNTEER = 25;

describe('volunteers: the staff pages', { timeout: FILE_TIMEOUT_MS }, () => {
  let server;
  let browser;
  before(async () => {
    server = await startServer('volunteers-staff');
    browser = await launchBrowser();
  }, { timeout: FILE_TIMEOUT_MS });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });
  const env = () => ({ browser, base: server.base });
  const district = accountSession(env, 'demo', { viewport: PHONE });
  const volunteer = accountSession(env, 'demo_volunteer', { viewport: PHONE });
  after(() => district.close());
  after(() => volunteer.close());
  const url = (path, lang) => withQuery(`${server.base}${path}`, { lang });
  /** The language chosen in the header's menu, as a user does: it sticks across redirects. */
  const speak = async (page, lang) => {
    await page.goto(`${server.base}/`);
    await setPreference(page, 'lang', lang);
  };
  const text = async (page, sel) => (await page.locator(sel).first().innerText()).replace(/\s+/g, ' ');

  test('the overview shows the year by team and town, the teams and the hours waiting', { timeout: STEP_TIMEOUT_MS }, async () => {
    const { page, watch } = await district.get();
    watch.reset();
    for (const lang of ['zh', 'en']) {
      assert.equal((await page.goto(url('/volunteers', lang)))?.status(), 200);
      const totals = await text(page, '#totals-caption + thead + tbody, table:has(#totals-caption) tbody');
      assert.match(totals, lang === 'zh' ? /南翔镇/ : /Nanxiang/, 'the totals name the towns');
      assert.doesNotMatch(totals, /3101141\d\d/, 'no town codes');
      assert.match(await text(page, 'table:has(#totals-caption) tfoot'), lang === 'zh' ? /合计.*小时/ : /Total.* h/);
      assert.match(await text(page, 'main a[href="/volunteer-hours"]'), lang === 'zh' ? /2\s*条时长等待认定/ : /2\s*hours entries wait/);
      assert.equal(await page.locator('table:has(#teams-caption) tbody tr').count(), 4, 'four teams');
      assert.ok(await page.locator('main a[href^="/volunteers/"]').count() >= 10, 'the volunteers link to their pages');
      assert.doesNotMatch(await text(page, 'table:has(#list-caption) tbody'), /1\d{10}/, 'phones masked');
      await checkPage(page, `volunteers-staff-overview-${lang}`);
    }
    // The filters: the escort team in 南翔镇.
    await page.goto(url('/volunteers', 'zh'));
    await page.locator('#f-team').selectOption('escort');
    await page.locator('#f-orgunit').selectOption('310114102');
    await navigating(page, () => page.locator('form[role="search"] button[type="submit"]').click());
    assert.match(await text(page, 'table:has(#list-caption) tbody'), /陈晓燕/);
    assert.equal(await page.locator('#f-team').inputValue(), 'escort', 'the filter is kept');
    await checkPage(page, 'volunteers-staff-overview-filtered-zh');
    assert.deepEqual(watch.problems(), []);
  });

  test('a volunteer with a bad phone number is refused at the field, kept, then added', { timeout: STEP_TIMEOUT_MS }, async () => {
    const { page, watch } = await district.get();
    watch.reset();
    await speak(page, 'zh');
    await page.goto(url('/volunteers', 'zh'));
    await navigating(page, () => page.locator('main a[href="/volunteers/new"]').click());
    await checkPage(page, 'volunteers-staff-new-zh');
    await page.locator('#f-name').fill('钱晓峰');
    await page.locator('#f-phone').fill('1391234');
    await page.locator('#f-team').selectOption('sign');
    await page.locator('#f-orgunit').selectOption('310114102');
    await page.locator('#f-skills-sign_language').check();
    await page.locator('#f-days-sat').check();
    await page.locator('#f-times-am').check();
    await page.locator('#f-training').fill('手语初级证书');
    await navigating(page, () => page.locator('main form button[type="submit"]').click());
    assert.equal(await page.locator('#error-summary a[href="#f-phone"]').count(), 1, `the error links to the phone: ${await whereAmI(page)}`);
    assert.equal(await page.locator('#f-phone').getAttribute('aria-invalid'), 'true');
    assert.match(await page.locator('#f-phone').getAttribute('aria-describedby'), /e-phone/);
    assert.equal(await page.locator('#f-name').inputValue(), '钱晓峰', 'the name is kept');
    assert.equal(await page.locator('#f-phone').inputValue(), '1391234', 'the phone is kept as typed');
    assert.equal(await page.locator('#f-team').inputValue(), 'sign');
    assert.equal(await page.locator('#f-orgunit').inputValue(), '310114102');
    assert.ok(await page.locator('#f-skills-sign_language').isChecked(), 'the skill stays ticked');
    assert.ok(await page.locator('#f-days-sat').isChecked() && (await page.locator('#f-times-am').isChecked()));
    assert.equal(await page.locator('#f-training').inputValue(), '手语初级证书');
    await checkPage(page, 'volunteers-staff-new-error-zh');
    // The summary's link takes the keyboard to the field.
    await page.locator('#error-summary a[href="#f-phone"]').focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.activeElement?.id === 'f-phone');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('13912345678');
    await navigating(page, () => page.locator('main form button[type="submit"]').click());
    assert.match(new URL(page.url()).pathname, /^\/volunteers\/\d+$/, `added: ${await whereAmI(page)}`);
    assert.match(await text(page, '.flash'), /志愿者已登记/);
    assert.equal(await text(page, 'h1'), '钱晓峰');
    const facts = await text(page, 'main dl.facts');
    assert.match(facts, /139\*{4}5678/, 'the phone masked');
    assert.match(facts, /手语/);
    assert.match(facts, /周六/);
    assert.match(facts, /南翔镇/);
    await checkPage(page, 'volunteers-staff-profile-zh');
    assert.deepEqual(watch.problems().filter((p) => !/status of 422/.test(p)), []);
  });

  test('a task for tomorrow in 南翔镇: made by the form, a suggested volunteer signed up by keyboard, the QR code', { timeout: STEP_TIMEOUT_MS }, async () => {
    const { page, watch } = await district.get();
    watch.reset();
    await speak(page, 'en');
    await page.goto(url('/volunteer-tasks', 'en'));
    assert.match(await text(page, 'h1'), /Volunteer tasks/);
    await checkPage(page, 'volunteers-staff-calendar-en');
    await navigating(page, () => page.locator('main a[href="/volunteer-tasks/new"]').first().click());
    await checkPage(page, 'volunteers-staff-task-new-en');
    // Sent without a title: the error at the title, the rest kept.
    await page.locator('#f-orgunit').selectOption('310114102');
    await page.locator('#f-start').fill('14:00');
    await page.locator('#f-end').fill('16:00');
    await page.locator('#f-skills-accompaniment').check();
    await navigating(page, () => page.locator('main form button[type="submit"]').click());
    assert.equal(await page.locator('#error-summary a[href="#f-title"]').count(), 1, `the title is asked for: ${await whereAmI(page)}`);
    assert.equal(await page.locator('#f-start').inputValue(), '14:00');
    assert.ok(await page.locator('#f-skills-accompaniment').isChecked());
    await page.locator('#f-title').fill('陪同到区残联办理补贴');
    await page.locator('#f-place').fill('嘉定区残联服务大厅');
    await page.locator('#f-slots').fill('2');
    await navigating(page, () => page.locator('main form button[type="submit"]').click());
    const taskPath = new URL(page.url()).pathname;
    assert.match(taskPath, /^\/volunteer-tasks\/\d+$/, `created: ${await whereAmI(page)}`);
    assert.match(await text(page, '.flash'), /The task is published/);
    assert.match(await text(page, 'main dl.facts'), /Nanxiang/);
    // The suggestions give their reasons in words.
    const first = page.locator('table:has(#suggest-caption) tbody tr').first();
    const reasons = await first.locator('td').first().innerText();
    assert.match(reasons, /skill: Accompaniment|same town|free on/, `reasons in words: ${reasons}`);
    const name = (await first.locator('th a').innerText()).trim();
    await checkPage(page, 'volunteers-staff-task-en');
    // Sign the first suggestion up by keyboard.
    await focusTop(page);
    await tabUntil(page, (f) => f.inMain && f.tag === 'BUTTON' && f.id.startsWith('f-suggest-'), { what: 'the first "Sign up" of the suggestions', max: 120 });
    await navigating(page, () => page.keyboard.press('Enter'));
    assert.equal(new URL(page.url()).pathname, taskPath);
    assert.match(await text(page, '.flash'), /signed up/);
    assert.match(await text(page, 'table:has(#signups-caption) tbody'), new RegExp(name));
    await checkPage(page, 'volunteers-staff-task-signed-en');
    // The same volunteer again through the select is no longer offered; a full task says so.
    // The QR code to print.
    await navigating(page, () => page.locator(`main a[href="${taskPath}/qr"]`).click());
    const img = page.locator('main img.qr-code');
    assert.equal(await img.count(), 1);
    assert.match(await img.getAttribute('alt'), /Check-in QR code: 陪同到区残联办理补贴/);
    assert.ok(await img.evaluate((i) => i.complete && i.naturalWidth >= 400), 'the QR code image loads');
    assert.match(await text(page, 'main'), /scan with your phone to check in/);
    const png = await page.request.get(`${server.base}${taskPath}/qr.png`);
    assert.equal(png.status(), 200);
    assert.equal(png.headers()['content-type'], 'image/png');
    await checkPage(page, 'volunteers-staff-qr-en');
    await page.goto(url(`${taskPath}/qr`, 'zh'));
    assert.match(await text(page, 'main'), /志愿者请用手机扫码签到/);
    await checkPage(page, 'volunteers-staff-qr-zh');
    assert.deepEqual(watch.problems().filter((p) => !/status of 422/.test(p)), []);
  });

  test('hours: a rejection needs a reason (refused at the field), one rejected, one approved', { timeout: STEP_TIMEOUT_MS }, async () => {
    const { page, watch } = await district.get();
    watch.reset();
    await speak(page, 'en');
    await page.goto(url('/volunteer-hours', 'en'));
    const rows = page.locator('table:has(#hours-caption) tbody tr');
    assert.equal(await rows.count(), 2, 'the demo leaves two entries waiting');
    await checkPage(page, 'volunteers-staff-hours-en');
    // Reject the first without a reason.
    const reject = rows.first().locator('form[action$="/reject"]');
    const action = await reject.getAttribute('action');
    const id = action.match(/\/volunteer-hours\/(\d+)\/reject/)[1];
    await navigating(page, () => reject.locator('button[type="submit"]').click());
    assert.equal(await page.locator(`#error-summary a[href="#f-reason-${id}"]`).count(), 1, `the error at the reason: ${await whereAmI(page)}`);
    assert.equal(await page.locator(`#f-reason-${id}`).getAttribute('aria-invalid'), 'true');
    assert.equal(await rows.count(), 2, 'nothing decided');
    await checkPage(page, 'volunteers-staff-hours-error-en');
    // With a reason, typed by keyboard.
    await page.locator(`#f-reason-${id}`).focus();
    await page.keyboard.type('签到记录与现场照片不符');
    await tabUntil(page, (f) => f.tag === 'BUTTON' && f.type === 'submit', { what: 'the reject button', max: 3 });
    await navigating(page, () => page.keyboard.press('Enter'));
    assert.match(await text(page, '.flash'), /rejected; the reason is recorded/);
    assert.equal(await rows.count(), 1);
    await navigating(page, () => rows.first().locator('form[action$="/approve"] button').click());
    assert.match(await text(page, '.flash'), /The hours are approved/);
    assert.match(await text(page, 'table:has(#hours-caption) tbody'), /No hours wait for approval/);
    await checkPage(page, 'volunteers-staff-hours-done-en');
    await page.goto(url('/volunteer-hours', 'zh'));
    assert.match(await text(page, 'table:has(#hours-caption) tbody'), /没有等待认定的时长/);
    assert.deepEqual(watch.problems().filter((p) => !/status of 422/.test(p)), []);
  });

  test('the certificate of hours, and the teams', { timeout: STEP_TIMEOUT_MS }, async () => {
    const { page, watch } = await district.get();
    watch.reset();
    await speak(page, 'zh');
    await page.goto(url(`/volunteers/${DEMO_VOLUNTEER}`, 'zh'));
    assert.equal(await text(page, 'h1'), '陈晓燕');
    const ledger = await text(page, 'table:has(#ledger-caption) tbody');
    assert.match(ledger, /全国助残日游园活动志愿服务/);
    await checkPage(page, 'volunteers-staff-volunteer-zh');
    await navigating(page, () => page.locator(`main a[href^="/volunteers/${DEMO_VOLUNTEER}/certificate"]`).click());
    const cert = await text(page, 'main .certificate');
    assert.match(cert, /嘉定区残疾人联合会/);
    assert.match(cert, /阳光四叶草志愿服务队/);
    assert.match(cert, /陈晓燕/);
    assert.match(cert, /小时/);
    assert.match(cert, /盖章/);
    assert.equal(await page.locator('main [style]').count(), 0, 'no inline styles (CSP)');
    await checkPage(page, 'volunteers-staff-certificate-zh');
    // Printed: A4, the site's header and the breadcrumbs gone.
    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.locator('.site-header').evaluate((e) => getComputedStyle(e).display), 'none');
    assert.equal(await page.locator('main .crumbs').evaluate((e) => getComputedStyle(e).display), 'none');
    await page.emulateMedia({ media: 'screen' });
    await page.goto(url(`/volunteers/${DEMO_VOLUNTEER}/certificate`, 'en'));
    assert.match(await text(page, 'main .certificate'), /Certificate of volunteer hours/);
    await checkPage(page, 'volunteers-staff-certificate-en');
    // The teams: district staff rename and name leaders.
    await page.goto(url('/volunteer-teams', 'en'));
    assert.equal(await page.locator('main form[action^="/volunteer-teams/"]').count(), 4);
    await checkPage(page, 'volunteers-staff-teams-en');
    // The volunteer account opens its own certificate, not another's.
    const v = await volunteer.get();
    assert.equal((await v.page.goto(url(`/volunteers/${DEMO_VOLUNTEER}/certificate`, 'zh')))?.status(), 200);
    assert.match(await text(v.page, 'main .certificate'), /陈晓燕/);
    await checkPage(v.page, 'volunteers-staff-certificate-volunteer-zh');
    assert.equal((await v.page.goto(url('/volunteers/1/certificate', 'zh')))?.status(), 404);
    assert.equal((await v.page.goto(url('/volunteers', 'zh')))?.status(), 403);
    assert.deepEqual(watch.problems(), []);
  });
});
