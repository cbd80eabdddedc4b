// Issue 14, "certificates that have expired": expired and soon-to-expire
// disability certificates are flagged and counted, requests on an expired
// one ask for a reason (or are refused), and renewal is a task.
// - district staff (Chinese): the home page counts expired and expiring
//   certificates separately, by town; the count links to the filtered list,
//   whose certificate filter is a select kept after submitting;
// - district staff (English): the flag on the person page; a device request
//   for that person asks for a reason, keeps what was typed, records the
//   reason on the case, which shows the flag (and so does the inbox row); a
//   home renovation is refused;
// - the village assistant on a phone (390 px, Chinese, keyboard): from the
//   home count to a person, starts the renewal task, finds it waiting in
//   the inbox and books the reassessment;
// - town staff (English) record the new certificate and update the record:
//   the flag is gone and the village's count is one less.
// Axe on every page (the person page also in large text and high
// contrast); screenshots in ../artifacts/screenshots/expiry-*.png.
// The steps share sessions and run in order; a failed step skips the rest.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { launchBrowser, newSession, navigating, whereAmI, login, axeCheck, setPreference, shot, assertFits } from '../lib/browser.js';
import { focused, tabUntil } from '../lib/keyboard.js';

const FILE_TIMEOUT_MS = 6 * 60_000;
const STEP_TIMEOUT_MS = 90_000;
const PHONE = { width: 390, height: 844 };

describe('expired certificates: flagged, counted, refused or reasoned, renewed', { timeout: FILE_TIMEOUT_MS }, () => {
  let server;
  let browser;
  const sessions = {};
  let failed = null;
  // Shared between the steps.
  let expiredCount = 0; // district, home
  let expiringCount = 0;
  let deviceCase = ''; // /cases/N
  let person = { id: '', name: '' }; // district's expired person
  let villageCount = 0;
  let villagePerson = { id: '', name: '' };
  let renewalCase = '';

  before(async () => {
    server = await startServer('expiry');
    browser = await launchBrowser();
  }, { timeout: FILE_TIMEOUT_MS });
  after(async () => {
    await Promise.all(Object.values(sessions).map((s) => s.context.close().catch(() => {})));
    await browser?.close();
    await server?.stop();
  });

  /** The signed-in session of an account (made once). */
  const session = async (username, options = {}) => {
    if (!sessions[username]) {
      const s = await newSession(browser, server.base, options);
      await login(s.page, server.base, username);
      sessions[username] = s;
    }
    return sessions[username];
  };

  const step = (name, username, options, fn) =>
    test(name, { timeout: STEP_TIMEOUT_MS }, async (t) => {
      if (failed) {
        t.skip(`needs the step "${failed}", which failed`);
        return;
      }
      try {
        const s = await session(username, options);
        s.watch.reset();
        await fn(s.page);
        // A form refused on purpose answers 409 or 422; Chromium logs that as a failed load.
        const problems = s.watch.problems().filter((p) => !/status of (409|422) /.test(p));
        if (problems.length) assert.fail(`${name}:\n  - ${problems.join('\n  - ')}`);
      } catch (err) {
        failed = name;
        throw err;
      }
    });

  const go = async (page, path) => {
    const resp = await page.goto(server.base + path);
    assert.equal(resp?.status(), 200, `GET ${path}: HTTP ${resp?.status()} on ${await whereAmI(page)}`);
  };
  const mainText = async (page) => (await page.locator('main').innerText()).replace(/\s+/g, ' ');
  const fits = assertFits;
  /** The count of the home page's card linking to href (a part of it). */
  const card = async (page, part) => {
    const link = page.locator(`main ul.cards a[href*="${part}"]`);
    assert.equal(await link.count(), 1, `the home page should have one card linking to …${part}`);
    const n = Number(await link.locator('.count').textContent());
    return { link, n, text: (await link.innerText()).replace(/\s+/g, ' ') };
  };
  /** Submit the case page's form of an action. */
  const act = (page, action) =>
    navigating(page, () => page.locator(`main form:has(input[name="action"][value="${action}"]) button[type="submit"]`).click());
  const today = () => new Date().toISOString().slice(0, 10);

  step('district staff: the home page counts expired and expiring certificates, by town', 'demo', {}, async (page) => {
    await setPreference(page, 'lang', 'zh');
    await go(page, '/');
    const expired = await card(page, 'expired=1');
    const expiring = await card(page, 'expiring=90');
    assert.match(expired.text, /残疾证已过期/, `the expired card says: "${expired.text}"`);
    assert.match(expiring.text, /90 天内到期/, `the expiring card says: "${expiring.text}"`);
    assert.ok(expired.n > 100, `the demo has some 225 active persons with an expired certificate; the card counts ${expired.n}`);
    assert.ok(expiring.n > 0, 'the demo has certificates expiring within 90 days');
    expiredCount = expired.n;
    expiringCount = expiring.n;
    const table = page.locator('main table:has(caption#cert-counts-caption)');
    assert.equal(await table.count(), 1, 'the home page should have the table of certificates by town');
    const row = table.locator('tbody tr', { has: page.locator('th', { hasText: '南翔镇' }) });
    assert.equal(await row.count(), 1, 'the table should have a row for 南翔镇, by name');
    const total = table.locator('tbody tr').last();
    assert.equal(Number(await total.locator('td').first().textContent()), expiredCount, 'the table\'s total of expired certificates should equal the card');
    assert.equal(Number(await total.locator('td').nth(1).textContent()), expiringCount, 'the table\'s total of expiring certificates should equal the card');
    const townLink = row.locator('td a').first();
    assert.match(await townLink.getAttribute('href'), /orgunit=310114102&expired=1/);
    await axeCheck(page, 'expiry-home-zh');
    await shot(page, 'expiry-home-zh');
  });

  step('district staff: the count links to the list of expired certificates, each row flagged; the filter is kept', 'demo', {}, async (page) => {
    await navigating(page, () => page.locator('main ul.cards a[href*="expired=1"]').click());
    assert.match(page.url(), /expired=1/);
    assert.equal(await page.locator('#f-cert').inputValue(), 'expired', 'the certificate select should show "已过期"');
    assert.match(await mainText(page), new RegExp(`共找到 ${expiredCount} 人`), 'the list should count as many as the home card');
    const flags = await page.locator('main tbody tr td:last-child').allInnerTexts();
    assert.ok(flags.length > 0 && flags.every((f) => /残疾证已过期 \d+ 天/.test(f)), `every row should be flagged as expired: ${flags.slice(0, 3).join(' | ')}`);
    const first = page.locator('main tbody tr a[href^="/persons/"]').first();
    person = { id: (await first.getAttribute('href')).split('/').pop(), name: (await first.textContent()).trim() };
    await axeCheck(page, 'expiry-list-expired-zh');
    await shot(page, 'expiry-list-expired-zh');
    // Submitted again, the choice stays.
    await navigating(page, () => page.locator('main form[role="search"] button[type="submit"]').click());
    assert.match(page.url(), /cert=expired/);
    assert.equal(await page.locator('#f-cert').inputValue(), 'expired', 'the certificate select should keep "已过期" after submitting');
    assert.match(await mainText(page), new RegExp(`共找到 ${expiredCount} 人`));
    // Expiring within 90 days.
    await page.locator('#f-cert').selectOption('90');
    await navigating(page, () => page.locator('main form[role="search"] button[type="submit"]').click());
    assert.equal(await page.locator('#f-cert').inputValue(), '90');
    assert.match(await mainText(page), new RegExp(`共找到 ${expiringCount} 人`), 'the list should count as many as the home card');
    const soon = await page.locator('main tbody tr td:last-child').allInnerTexts();
    assert.ok(soon.every((f) => /残疾证 \d+ 天后到期|残疾证今天到期/.test(f)), `every row should be flagged as expiring: ${soon.slice(0, 3).join(' | ')}`);
    await axeCheck(page, 'expiry-list-expiring-zh');
  });

  step('district staff (English): the person page flags the expired certificate', 'demo', {}, async (page) => {
    await setPreference(page, 'lang', 'en');
    await go(page, `/persons/${person.id}`);
    const flag = page.locator('#cert-flag h2');
    assert.match(await flag.textContent(), /^Certificate expired \d+ days? ago$/, 'the person page should say how long ago it expired');
    assert.match(await page.locator('#cert-flag').innerText(), /no longer valid/);
    assert.equal(await page.locator('#cert-flag form[action="/cases/renew"] button').count(), 1, 'the flag should offer to start the renewal');
    await axeCheck(page, 'expiry-person-en');
    await shot(page, 'expiry-person-en');
    // Large text and high contrast: the flag stays text, axe-clean.
    for (const mode of ['large', 'contrast']) {
      await setPreference(page, 'display', mode);
      assert.match(await page.locator('#cert-flag h2').textContent(), /^Certificate expired/);
      await axeCheck(page, `expiry-person-en-${mode}`);
      await shot(page, `expiry-person-en-${mode}`);
    }
    await setPreference(page, 'display', 'standard');
  });

  step('district staff: a device request asks for a reason, keeps what was typed, and records the reason', 'demo', {}, async (page) => {
    await go(page, `/cases/new?person_id=${person.id}`);
    const notice = await page.locator('#cert-flag').innerText();
    assert.match(notice, /Certificate expired \d+ days? ago/);
    assert.match(notice, /Home accessibility renovation/, 'the notice should name the service that cannot be requested');
    const types = await page.locator('#f-service_type option').evaluateAll((os) => os.map((o) => o.value));
    assert.ok(types.includes('assistive_device') && !types.includes('home_renovation'), `the services offered: ${types.join(', ')}`);
    await page.locator('#f-service_type').selectOption('assistive_device');
    const need = 'Needs a wheelchair to go out';
    await page.locator('#f-need').fill(need);
    let resp = await navigating(page, () => page.locator('main form[action="/cases/new"] button[type="submit"]:not([name]):not([aria-hidden="true"])').last().click());
    assert.equal(resp?.status(), 422, `without a reason: HTTP ${resp?.status()}`);
    const reason = page.locator('#f-certificate_override');
    assert.equal(await reason.getAttribute('aria-invalid'), 'true');
    assert.match(await page.locator('#e-certificate_override').textContent(), /expired \d+ days? ago .*state the reason/);
    assert.equal(await page.locator('#f-need').inputValue(), need, 'the form should keep what was typed');
    assert.equal(await page.locator('#f-service_type').inputValue(), 'assistive_device');
    await axeCheck(page, 'expiry-new-case-error-en');
    await shot(page, 'expiry-new-case-error-en');
    await reason.fill('Reassessment booked; needs the wheelchair now');
    resp = await navigating(page, () => page.locator('main form[action="/cases/new"] button[type="submit"]:not([name]):not([aria-hidden="true"])').last().click());
    assert.equal(resp?.status(), 200);
    assert.match(new URL(page.url()).pathname, /^\/cases\/\d+$/, `the request should open a case: ${await whereAmI(page)}`);
    deviceCase = new URL(page.url()).pathname;
    assert.match(await page.locator('#cert-flag').textContent(), /^Certificate expired \d+ days? ago$/, 'the case should flag the certificate');
    const text = await mainText(page);
    assert.ok(text.includes('Reason to go ahead with an expired certificate') && text.includes('Reassessment booked; needs the wheelchair now'),
      'the case should show the reason');
    assert.equal(await page.locator('main form[action="/cases/renew"]').count(), 1, 'the case should offer to start the renewal');
    await axeCheck(page, 'expiry-case-en');
    await shot(page, 'expiry-case-en');
  });

  step('district staff: the inbox flags the person; a home renovation is refused', 'demo', {}, async (page) => {
    await go(page, '/cases?show=open&type=assistive_device');
    const row = page.locator(`main tbody tr:has(a[href="${deviceCase}"])`);
    assert.equal(await row.count(), 1, `the inbox should list ${deviceCase}`);
    assert.match(await row.innerText(), new RegExp(`${person.name}.*Certificate expired \\d+ days? ago`, 's'), 'the row should name the person and flag the certificate');
    await axeCheck(page, 'expiry-inbox-en');
    const resp = await page.request.post(`${server.base}/cases/new`, {
      form: { person_id: person.id, service_type: 'home_renovation', need: 'Grab bars', certificate_override: 'Urgent' },
      maxRedirects: 0,
    });
    assert.equal(resp.status(), 409, 'a home renovation on an expired certificate should be refused');
    assert.match(await resp.text(), /cannot be requested until it is renewed|请先办理换证/);
  });

  step('village assistant (390 px, keyboard): from the home count to a person, starts the renewal', 'demo_village', { viewport: PHONE }, async (page) => {
    await setPreference(page, 'lang', 'zh');
    await go(page, '/');
    const c = await card(page, 'expired=1');
    villageCount = c.n;
    assert.ok(villageCount > 0, 'the demo village has active persons with an expired certificate');
    await fits(page, 390);
    await axeCheck(page, 'expiry-village-home-zh');
    await shot(page, 'expiry-village-home-zh-390');
    await c.link.focus();
    await navigating(page, () => page.keyboard.press('Enter'));
    assert.match(await mainText(page), new RegExp(`共找到 ${villageCount} 人`));
    const first = page.locator('main tbody tr a[href^="/persons/"]').first();
    villagePerson = { id: (await first.getAttribute('href')).split('/').pop(), name: (await first.textContent()).trim() };
    await fits(page, 390);
    await first.focus();
    await navigating(page, () => page.keyboard.press('Enter'));
    assert.match(await page.locator('#cert-flag h2').textContent(), /^残疾证已过期 \d+ 天$/);
    await fits(page, 390);
    await axeCheck(page, 'expiry-village-person-zh');
    await shot(page, 'expiry-village-person-zh-390');
    const button = page.locator('#cert-flag button');
    await button.focus();
    assert.match((await focused(page)).desc ?? (await button.textContent()), /办理换证|BUTTON/);
    await navigating(page, () => page.keyboard.press('Enter'));
    assert.match(new URL(page.url()).pathname, /^\/cases\/\d+$/, `the renewal should open a case: ${await whereAmI(page)}`);
    renewalCase = new URL(page.url()).pathname;
    const text = await mainText(page);
    assert.ok(text.includes('残疾证换证（复评）') && text.includes('待预约复评') && text.includes(villagePerson.name),
      'the case should be the renewal of the person, waiting for the reassessment to be booked');
    await fits(page, 390);
    await axeCheck(page, 'expiry-renewal-zh');
    await shot(page, 'expiry-renewal-zh-390');
  });

  step('village assistant: the renewal waits in the inbox; the reassessment is booked with the keyboard', 'demo_village', { viewport: PHONE }, async (page) => {
    await go(page, '/cases?show=mine&type=certificate_renewal');
    const row = page.locator(`main tbody tr:has(a[href="${renewalCase}"])`);
    assert.equal(await row.count(), 1, 'the renewal should wait for the village assistant');
    assert.match(await row.innerText(), /待我处理/);
    await fits(page, 390);
    await axeCheck(page, 'expiry-village-inbox-zh');
    await go(page, renewalCase);
    const date = new Date(Date.now() + 14 * 86400_000).toISOString().slice(0, 10);
    // A date input (type="date"): in Chromium, Tab goes through its year, month and day and its calendar button first.
    await page.locator('#f-assessment_date').fill(date);
    await tabUntil(page, (f) => f.id === 'f-assessment_place', { what: 'the place after the date', max: 6 });
    await page.keyboard.type('嘉定区残疾评定中心');
    await navigating(page, () => page.keyboard.press('Enter'));
    const text = await mainText(page);
    assert.ok(text.includes('已预约复评') && text.includes(date) && text.includes('嘉定区残疾评定中心'), `the case should be booked: ${text.slice(0, 300)}`);
    await fits(page, 390);
    await axeCheck(page, 'expiry-renewal-booked-zh');
    await shot(page, 'expiry-renewal-booked-zh-390');
  });

  step('town staff record the new certificate and update the record: the flag is gone', 'demo_town', {}, async (page) => {
    await setPreference(page, 'lang', 'en');
    await go(page, renewalCase);
    // Next year by mistake: a real day, but after today.
    const future = new Date(Date.now() + 400 * 86400_000).toISOString().slice(0, 10);
    await page.locator('#f-issued_on').fill(future);
    let resp = await act(page, 'issue');
    assert.equal(resp?.status(), 422, 'a new certificate issued in the future should be refused');
    assert.match(await page.locator('#e-issued_on').textContent(), /cannot be after today/);
    assert.equal(await page.locator('#f-issued_on').inputValue(), future, 'the form should keep what was typed');
    await axeCheck(page, 'expiry-renewal-issue-error-en');
    await page.locator('#f-issued_on').fill(today());
    resp = await act(page, 'issue');
    assert.equal(resp?.status(), 200);
    assert.match(await mainText(page), /new certificate issued/);
    resp = await act(page, 'record');
    assert.equal(resp?.status(), 200);
    assert.match(await mainText(page), /record updated/);
    await axeCheck(page, 'expiry-renewal-done-en');
    await shot(page, 'expiry-renewal-done-en');
    await go(page, `/persons/${villagePerson.id}`);
    assert.equal(await page.locator('#cert-flag').count(), 0, 'the renewed certificate should not be flagged');
    assert.match(await mainText(page), new RegExp(`Certificate issued ${today()}`));
    await setPreference(page, 'lang', 'zh');
  });

  step('village assistant: the home count is one less', 'demo_village', { viewport: PHONE }, async (page) => {
    await go(page, '/');
    const c = await card(page, 'expired=1');
    assert.equal(c.n, villageCount - 1, 'the renewed person should no longer be counted');
  });
});
