// A keyboard-only walk (page.keyboard only, no clicks): sign in, the skip
// link, search, a person's page, the edit form. Every Tab stop must show a
// visible focus (a non-zero outline or a box-shadow).
// The steps share one page and run in order; when a step cannot be done, the
// steps after it are skipped, naming it (invisible focus only fails the step).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { launchBrowser, newSession, navigating, whereAmI, DEMO_PASSWORD } from '../lib/browser.js';
import { focused, tabUntil, focusTop } from '../lib/keyboard.js';
import { personIds } from '../lib/resolve.js';

const FILE_TIMEOUT_MS = 5 * 60_000;
const STEP_TIMEOUT_MS = 90_000;

const TEXT_TYPES = new Set([null, '', 'text', 'search', 'tel', 'email', 'url', 'number', 'password']);

describe('keyboard only: sign-in, search and the edit form (as demo)', { timeout: FILE_TIMEOUT_MS }, () => {
  let server;
  let browser;
  let s; // { context, page, watch }
  let failed = null; // the first step that failed
  const state = {};

  before(async () => {
    server = await startServer('keyboard');
    browser = await launchBrowser();
    s = await newSession(browser, server.base);
  }, { timeout: FILE_TIMEOUT_MS });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** A step of the walk: skipped when an earlier one failed; fails on invisible focus and on watch problems. */
  const step = (name, fn) =>
    test(name, { timeout: STEP_TIMEOUT_MS }, async (t) => {
      if (failed) {
        t.skip(`needs the step "${failed}", which failed`);
        return;
      }
      const problems = [];
      s.watch.reset();
      try {
        await fn(s.page, problems);
      } catch (err) {
        failed = name; // the walk cannot go on
        if (problems.length) err.message += `\nalso:\n  - ${problems.join('\n  - ')}`;
        throw err;
      }
      // Invisible focus, other hosts, console errors: this step fails, the walk goes on.
      problems.push(...s.watch.problems());
      if (problems.length) assert.fail(`keyboard: ${name}:\n  - ${problems.join('\n  - ')}`);
    });

  step('sign in: Tab to username, type, Tab to password, type, Enter → home', async (page, problems) => {
    const resp = await page.goto(`${server.base}/login`);
    assert.equal(resp?.status(), 200, `keyboard sign-in: GET /login answered HTTP ${resp?.status()}`);
    await tabUntil(page, (f) => f.name === 'username', { what: 'keyboard sign-in: the username field', problems });
    await page.keyboard.type('demo');
    await tabUntil(page, (f) => f.name === 'password', { what: 'keyboard sign-in: the password field', problems });
    await page.keyboard.type(DEMO_PASSWORD);
    await navigating(page, () => page.keyboard.press('Enter'));
    assert.equal(new URL(page.url()).pathname, '/', `keyboard sign-in: Enter in the password field should sign in and land on "/", ended on ${await whereAmI(page)}`);
  });

  step('the skip link is the first Tab stop and moves the focus to <main>', async (page, problems) => {
    await focusTop(page);
    await page.keyboard.press('Tab');
    const f = await focused(page);
    assert.ok(f.tag === 'A' && f.href === '#main', `keyboard skip link: the first Tab stop on / should be <a href="#main">, it is ${f.desc}`);
    if (!f.visible) problems.push(`focus not visible on the skip link (${f.style})`);
    await page.keyboard.press('Enter');
    let g = await focused(page);
    if (!(g.isMain || g.inMain)) {
      // Without tabindex="-1" on <main> the browser moves only the Tab starting point: the next Tab must land in <main>.
      await page.keyboard.press('Tab');
      g = await focused(page);
      assert.ok(g.inMain, `keyboard skip link: after Enter on the skip link the focus should be in <main>; the next Tab went to ${g.desc}`);
    }
  });

  step('search: Tab to the field q on /persons, type the first name of the list, Enter → results', async (page, problems) => {
    const resp = await page.goto(`${server.base}/persons`);
    assert.equal(resp?.status(), 200, `keyboard search: GET /persons answered HTTP ${resp?.status()}`);
    const ids = await personIds(page);
    assert.ok(ids.length > 0, 'keyboard search: /persons links to no person (<a href="/persons/ID"> in <main>)');
    const first = page.locator(`main a[href$="/persons/${ids[0]}"]`).first();
    const name = ((await first.textContent()) || '').replace(/\s+/g, ' ').trim();
    assert.ok(name, `keyboard search: the first person link (/persons/${ids[0]}) has no text to search for`);
    state.name = name;
    await tabUntil(page, (f) => f.name === 'q', { what: 'keyboard search: the search field (name="q")', problems });
    await page.keyboard.type(name);
    await navigating(page, () => page.keyboard.press('Enter'));
    const text = await page.locator('main, [role="main"]').first().innerText().catch(() => '');
    assert.ok(text.includes(name), `keyboard search: the results for "${name}" do not show the name, on ${await whereAmI(page)}`);
  });

  step('Tab to the first result and Enter → the person page', async (page, problems) => {
    const f = await tabUntil(page, (x) => x.tag === 'A' && !!x.absHref && x.inMain && /^\/persons\/[^/]*\d[^/]*$/.test(new URL(x.absHref).pathname), {
      what: 'keyboard search: the first result link', problems,
    });
    state.detail = new URL(f.absHref).pathname;
    await navigating(page, () => page.keyboard.press('Enter'));
    assert.equal(new URL(page.url()).pathname, state.detail, `keyboard: Enter on ${f.desc} should open ${state.detail}, ended on ${await whereAmI(page)}`);
  });

  step('Tab to the edit link (href ending in /edit) and Enter → the edit form', async (page, problems) => {
    const f = await tabUntil(page, (x) => x.tag === 'A' && !!x.absHref && /\/edit$/.test(new URL(x.absHref).pathname), {
      what: `keyboard: the edit link on ${state.detail}`, problems,
    });
    await navigating(page, () => page.keyboard.press('Enter'));
    assert.equal(new URL(page.url()).pathname, new URL(f.absHref).pathname, `keyboard: Enter on ${f.desc} should open the edit form, ended on ${await whereAmI(page)}`);
  });

  step('change the address and submit with Enter → the person page shows it', async (page, problems) => {
    const f = await tabUntil(page, (x) => x.name === 'address', { what: 'keyboard edit: the address field', problems });
    const address = `南翔镇键盘路${Date.now() % 1000}号`;
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type(address);
    if (f.tag !== 'INPUT') {
      // Enter in a <textarea> is a new line: submit from the next text field instead.
      await tabUntil(page, (x) => x.tag === 'INPUT' && TEXT_TYPES.has(x.type), { what: 'keyboard edit: a text field after the address', problems });
    }
    await navigating(page, () => page.keyboard.press('Enter'));
    assert.equal(new URL(page.url()).pathname, state.detail, `keyboard edit: Enter should save and return to ${state.detail}, ended on ${await whereAmI(page)}`);
    const text = await page.locator('main, [role="main"]').first().innerText().catch(() => '');
    assert.ok(text.includes(address), `keyboard edit: ${state.detail} does not show the new address "${address}"`);
  });
});
