// Every page of lib/pages.js, as each demo account, in Chinese and English:
// HTTP 200, <html lang>, one <h1>, a <main> landmark, a skip link to #main as
// the first Tab stop, zero axe-core violations, no request to another host,
// no console error; a screenshot of each page.
// Also: the language form, revealing an ID number, and signing out.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import {
  launchBrowser, newSession, login, axeCheck, shot, withQuery, navigating, whereAmI, setPreference, openMenuOf, Problems,
} from '../lib/browser.js';
import { skipLinkProblems } from '../lib/keyboard.js';
import { ACCOUNTS, LANGUAGES, slug } from '../lib/pages.js';
import { Placeholders } from '../lib/resolve.js';
import { accountSession } from '../lib/session.js';
import { isValidIdNumber } from '../lib/fixtures.js';

const FILE_TIMEOUT_MS = 40 * 60_000; // about 550 page visits (275 pages × 2 languages) at 2–4 s each (axe, full-page screenshots), on a busy 2-CPU machine
const STEP_TIMEOUT_MS = 90_000;

/** A record number standing in for a person's name. */
const BARE_RECORD = /档案 ?#\s*\d+|Record ?#\s*\d+/;

/** Visit one page in one language and check it; all failed checks are reported together. */
async function checkPage({ page, watch, placeholders }, acct, template, lang) {
  const label = `${acct.role} (${acct.username}) ${template} [${lang.code}]`;
  const url = withQuery(await placeholders.url(template), { lang: lang.code });
  const path = new URL(url).pathname;
  watch.reset();
  const resp = await page.goto(url);
  assert.equal(resp?.status(), 200, `${label}: GET ${path}?lang=${lang.code} answered HTTP ${resp?.status()}, now on ${await whereAmI(page)}`);
  assert.equal(new URL(page.url()).pathname, path, `${label}: GET ${path} was redirected to ${await whereAmI(page)}`);

  const p = new Problems();
  const htmlLang = await page.evaluate(() => document.documentElement.getAttribute('lang'));
  p.check(htmlLang === lang.htmlLang, `<html lang> is ${JSON.stringify(htmlLang)}, expected "${lang.htmlLang}"`);
  const h1 = await page.locator('h1').count();
  p.check(h1 === 1, `expected exactly one <h1>, found ${h1}`);
  const main = await page.locator('main, [role="main"]').count();
  p.check(main === 1, `expected one <main> landmark, found ${main}`);
  // Names, not record numbers (issue 14): no page shows "档案 #9" where the person's name belongs.
  const bare = (await page.locator('body').innerText()).match(BARE_RECORD);
  p.check(!bare, `a bare record number where a name belongs: "${bare?.[0]}"`);
  await p.attempt(() => axeCheck(page, `${acct.role}-${slug(template)}-${lang.code}`));
  await shot(page, `${acct.role}-${slug(template)}-${lang.code}`);
  p.list.push(...(await skipLinkProblems(page)));
  p.list.push(...watch.problems());
  p.done(`${label} (${path})`);
}

describe('pages: every demo account, every page, Chinese and English', { timeout: FILE_TIMEOUT_MS }, () => {
  let server;
  let browser;
  before(async () => {
    server = await startServer('pages');
    browser = await launchBrowser();
  }, { timeout: FILE_TIMEOUT_MS });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  for (const acct of ACCOUNTS) {
    describe(`${acct.role} (${acct.username})`, () => {
      const session = accountSession(() => ({ browser, base: server.base }), acct.username);
      after(() => session.close());
      for (const template of acct.pages) {
        for (const lang of LANGUAGES) {
          test(`${template} [${lang.code}]`, { timeout: STEP_TIMEOUT_MS }, async () =>
            checkPage(await session.get(), acct, template, lang));
        }
      }
    });
  }

  describe('the language form in the header (POST /preferences, field lang) as demo', () => {
    test('switches to English and back to Chinese, and the choice sticks', { timeout: STEP_TIMEOUT_MS }, async () => {
      const { context, page, watch } = await newSession(browser, server.base);
      try {
        await login(page, server.base, 'demo');
        const lang = () => page.evaluate(() => document.documentElement.getAttribute('lang'));
        await setPreference(page, 'lang', 'en');
        assert.equal(await lang(), 'en', `language form: after choosing English the page says <html lang="${await lang()}"> on ${page.url()}`);
        await page.goto(`${server.base}/`);
        assert.equal(await lang(), 'en', 'language form: English should stick for the next page (/ without ?lang)');
        await setPreference(page, 'lang', 'zh');
        assert.equal(await lang(), 'zh-CN', `language form: after choosing 中文 the page says <html lang="${await lang()}">`);
        await page.goto(`${server.base}/persons`);
        assert.equal(await lang(), 'zh-CN', 'language form: Chinese should stick for the next page (/persons without ?lang)');
        watch.assertClean('language form');
      } finally {
        await context.close();
      }
    });
  });

  describe('revealing an ID number on /persons/{id} as demo', () => {
    test('the reason form shows the full 18-character ID number; axe passes', { timeout: STEP_TIMEOUT_MS }, async () => {
      const { context, page, watch } = await newSession(browser, server.base);
      try {
        await login(page, server.base, 'demo');
        const placeholders = new Placeholders(context, server.base, 'demo');
        const id = await placeholders.id();
        const detail = `${server.base}/persons/${encodeURIComponent(id)}`;
        const label = `reveal on /persons/${id}`;
        const resp = await page.goto(detail);
        assert.equal(resp?.status(), 200, `${label}: GET /persons/${id} answered HTTP ${resp?.status()}`);
        assert.equal(await fullIdOnPage(page), null, `${label}: the full ID number is shown before it is revealed`);

        const form = await revealForm(page, id, label);
        await form.locator('[name="reason"]').fill('核对身份信息 / checking identity for a service request');
        const submit = form.locator('button[type="submit"], input[type="submit"]').first();
        assert.ok(await submit.count(), `${label}: the reveal form has no submit button`);
        const revealed = await navigating(page, () => submit.click());
        assert.equal(revealed?.status(), 200, `${label}: submitting the reason answered HTTP ${revealed?.status()} on ${await whereAmI(page)}`);
        const full = await fullIdOnPage(page);
        assert.ok(full, `${label}: no 18-character ID number with a valid check character on ${await whereAmI(page)}`);
        await axeCheck(page, 'district_staff-persons-id-reveal-zh');
        await shot(page, 'district_staff-persons-id-reveal-zh');
        watch.assertClean(label);
      } finally {
        await context.close();
      }
    });
  });

  describe('signing out', () => {
    test('the sign-out button in the header (POST /logout) returns to /login', { timeout: STEP_TIMEOUT_MS }, async () => {
      const { context, page, watch } = await newSession(browser, server.base);
      try {
        await login(page, server.base, 'demo_leader');
        const index = await page.evaluate(() =>
          [...document.forms].findIndex((f) => new URL(f.action, location.href).pathname === '/logout' && f.closest('header, [role="banner"]')));
        assert.ok(index >= 0, `sign-out: no form posting to /logout in the header (<header> or role=banner) of ${page.url()}`);
        const form = page.locator('form').nth(index);
        assert.equal((await form.getAttribute('method'))?.toLowerCase(), 'post', 'sign-out: the /logout form should use method="post"');
        const button = form.locator('button, input[type="submit"]').first();
        assert.ok(await button.count(), 'sign-out: the /logout form has no button');
        await openMenuOf(button); // in the header's menu
        await navigating(page, () => button.click());
        assert.equal(new URL(page.url()).pathname, '/login', `sign-out: expected to land on /login, ended on ${await whereAmI(page)}`);
        await page.goto(`${server.base}/`);
        assert.equal(new URL(page.url()).pathname, '/login', `sign-out: after signing out, / should send the browser to /login, it shows ${await whereAmI(page)}`);
        watch.assertClean('sign-out');
      } finally {
        await context.close();
      }
    });
  });
});

/** The first 18-character ID number with a valid check character in <main>, or null. */
async function fullIdOnPage(page) {
  const text = await page.locator('main, [role="main"]').first().innerText().catch(() => '');
  for (const m of text.matchAll(/(?<![0-9Xx])\d{17}[0-9Xx](?![0-9Xx])/g)) {
    const s = m[0].toUpperCase();
    if (isValidIdNumber(s)) return s;
  }
  return null;
}

/**
 * The form posting to /persons/{id}/reveal with a field named reason, made
 * visible: opened from its <details> or <dialog> if need be, or reached
 * through a link to /persons/{id}/reveal.
 */
async function revealForm(page, id, label) {
  const action = `/persons/${encodeURIComponent(id)}/reveal`;
  const find = () => page.evaluate((action) =>
    [...document.forms].findIndex((f) => new URL(f.action, location.href).pathname === action && f.querySelector('[name="reason"]')), action);
  let index = await find();
  if (index < 0) {
    const link = page.locator(`a[href$="${action}"]`).first();
    if (await link.count()) {
      await navigating(page, () => link.click());
      index = await find();
    }
  }
  assert.ok(index >= 0, `${label}: no form posting to ${action} with a field named reason (nor a link to it)`);
  const form = page.locator('form').nth(index);
  const reason = form.locator('[name="reason"]');
  if (!(await reason.isVisible())) {
    // Open the <details> or <dialog> that holds the form.
    const opener = await form.evaluate((f) => {
      const details = f.closest('details');
      if (details) return { css: 'summary', within: true };
      const dialog = f.closest('dialog');
      if (dialog?.id) {
        return { css: `[commandfor="${dialog.id}"], [aria-controls="${dialog.id}"], a[href="#${dialog.id}"]`, within: false };
      }
      return null;
    });
    assert.ok(opener, `${label}: the reason field is hidden and there is no <details> or <dialog id> around the form to open`);
    const control = opener.within
      ? form.locator('xpath=ancestor::details[1]').locator('summary').first()
      : page.locator(opener.css).first();
    assert.ok(await control.count(), `${label}: nothing opens the reveal dialog (${opener.css})`);
    await control.click();
    await reason.waitFor({ state: 'visible' });
  }
  return form;
}
