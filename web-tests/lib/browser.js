// Browser helpers: launch Debian's Chromium through playwright-core, sign in,
// run axe-core, take screenshots, and watch every page for requests to other
// hosts and console errors.
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { chromium } from 'playwright-core';
import AxeBuilder from '@axe-core/playwright';
import { ARTIFACTS_DIR, SCREENSHOT_DIR } from './paths.js';
import { DEMO_PASSWORD } from './pages.js';

export { DEMO_PASSWORD };

export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/** Playwright timeouts: generous, for slow CI machines. */
export const ACTION_TIMEOUT_MS = 15_000;
export const NAVIGATION_TIMEOUT_MS = 30_000;

/** Launch headless Chromium (CHROMIUM overrides the path). Never downloads a browser. */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * A new browser context with one page, watched for requests to hosts other
 * than the app's (they are recorded and blocked) and for console errors.
 * @param {import('playwright-core').Browser} browser
 * @param {string} base the app's origin
 * @param {import('playwright-core').BrowserContextOptions} [options]
 */
export async function newSession(browser, base, options = {}) {
  // Service workers are blocked unless a test asks for them (visits.test.js):
  // requests a service worker handles escape page.route, which tests use.
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, serviceWorkers: 'block', ...options });
  context.setDefaultTimeout(ACTION_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(NAVIGATION_TIMEOUT_MS);
  const watch = new Watch(base);
  await watch.attach(context);
  const page = await context.newPage();
  return { context, page, watch };
}

/**
 * Records, for every page of a context, requests that leave the app's origin
 * and console errors (console.error, failed loads, uncaught exceptions).
 * Call reset() before a step and problems() after it.
 */
export class Watch {
  constructor(base) {
    this.origin = new URL(base).origin;
    this.foreign = [];
    this.consoleErrors = [];
  }

  isOwn(url) {
    if (/^(data|blob|about):/.test(url)) return true;
    try {
      return new URL(url).origin === this.origin;
    } catch {
      return false;
    }
  }

  async attach(context) {
    // Nothing may leave the app: record and refuse.
    await context.route((url) => !this.isOwn(url.href), (route) => route.abort('blockedbyclient'));
    const onPage = (page) => {
      page.on('request', (req) => {
        if (!this.isOwn(req.url())) this.foreign.push(`${req.method()} ${req.url()} (from ${page.url()})`);
      });
      page.on('console', (msg) => {
        if (msg.type() === 'error') {
          const loc = msg.location();
          this.consoleErrors.push(`${msg.text()}${loc?.url ? ` (${loc.url}:${loc.lineNumber})` : ''}`);
        }
      });
      page.on('pageerror', (err) => this.consoleErrors.push(`uncaught ${err.name}: ${err.message} (on ${page.url()})`));
    };
    context.on('page', onPage);
    for (const p of context.pages()) onPage(p);
  }

  reset() {
    this.foreign.length = 0;
    this.consoleErrors.length = 0;
  }

  /** Problems seen since the last reset, as lines of text. */
  problems() {
    return [
      ...this.foreign.map((r) => `request to another host: ${r}`),
      ...this.consoleErrors.map((e) => `console error: ${e}`),
    ];
  }

  /** Fail when a page requested another host or logged an error since the last reset. */
  assertClean(label) {
    const p = this.problems();
    if (p.length) assert.fail(`${label}:\n  - ${p.join('\n  - ')}`);
  }
}

/** The URL with query parameters set, e.g. withQuery(url, {lang: 'en'}). */
export function withQuery(url, params) {
  const u = new URL(url);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.href;
}

/** Run an action that makes the page navigate (a form submit) and wait for the new page to load. */
export async function navigating(page, action) {
  const from = page.url();
  const [response] = await Promise.all([
    page.waitForNavigation({ waitUntil: 'load', timeout: NAVIGATION_TIMEOUT_MS }).catch(async (err) => {
      const what = err.name === 'TimeoutError' ? `no new page came within ${NAVIGATION_TIMEOUT_MS / 1000}s` : err.message.split('\n')[0];
      throw new Error(`submitting on ${from}: ${what}; the browser shows ${await whereAmI(page)}`);
    }),
    action(),
  ]);
  return response;
}

/** The main heading, or an alert, of the page: to explain where the browser ended up. */
export async function whereAmI(page) {
  const bits = await page
    .evaluate(() => {
      const t = (sel) => document.querySelector(sel)?.textContent?.replace(/\s+/g, ' ').trim().slice(0, 120) || '';
      return [t('h1'), t('[role="alert"]'), t('title')].filter(Boolean);
    })
    .catch(() => []);
  return `${page.url()}${bits.length ? ` (${bits.join(' / ')})` : ''}`;
}

/**
 * Sign in through the form at /login (fields username and password, the
 * submit button) and check that the browser lands on "/".
 */
export async function login(page, base, username, password = DEMO_PASSWORD) {
  const resp = await page.goto(`${base}/login`);
  assert.equal(resp?.status(), 200, `sign-in as ${username}: GET /login answered HTTP ${resp?.status()}`);
  const form = page.locator('form:has([name="username"]):has([name="password"])');
  assert.equal(await form.count(), 1, `sign-in as ${username}: /login has no (or more than one) form with fields named username and password`);
  await form.locator('[name="username"]').fill(username);
  await form.locator('[name="password"]').fill(password);
  const submit = form.locator('button[type="submit"], input[type="submit"]').first();
  assert.ok(await submit.count(), `sign-in as ${username}: the sign-in form has no submit button`);
  await navigating(page, () => submit.click());
  const url = new URL(page.url());
  assert.equal(url.pathname, '/', `sign-in as ${username}: expected to land on "/", ended on ${await whereAmI(page)}`);
}

/**
 * Make a control of the header visible: when it sits in a closed <details>
 * (the header's menu), open it by clicking its <summary>.
 */
export async function openMenuOf(locator) {
  if (await locator.isVisible()) return;
  const summary = locator.locator('xpath=ancestor::details[not(@open)][1]/summary');
  if (await summary.count()) {
    await summary.first().click();
    await locator.waitFor({ state: 'visible' });
  }
}

/**
 * Set a preference through the header form posting to /preferences: a
 * <select> (or radio buttons) named `field` and a submit button, or a button
 * name=field value=value. Opens the header's menu when the form is in it.
 * Waits for the page to reload.
 */
export async function setPreference(page, field, value) {
  const form = page.locator(`form[action*="preferences"]:has([name="${field}"])`).first();
  assert.ok(await form.count(), `${page.url()}: no form posting to /preferences with a field named ${field}`);
  await openMenuOf(form.locator(`[name="${field}"]`).first());
  assert.equal(
    (await form.getAttribute('method'))?.toLowerCase(),
    'post',
    `${page.url()}: the /preferences form for ${field} should use method="post"`,
  );
  const button = form.locator(`button[name="${field}"][value="${value}"]`);
  if (await button.count()) return navigating(page, () => button.first().click());
  const select = form.locator(`select[name="${field}"]`);
  if (await select.count()) await select.selectOption(value);
  else await form.locator(`input[name="${field}"][value="${value}"]`).check();
  const submit = form.locator('button[type="submit"], input[type="submit"], button:not([type])').first();
  assert.ok(await submit.count(), `${page.url()}: the /preferences form for ${field} has no submit button`);
  return navigating(page, () => submit.click());
}

/** The axe-core violations of the page for the WCAG 2.x A/AA tags. */
export async function axeViolations(page) {
  const results = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
  return results.violations;
}

/** Human-readable lines: id, impact, help and the first 3 target selectors of each violation. */
export function formatViolations(violations) {
  return violations
    .map((v) => {
      const targets = v.nodes.slice(0, 3).map((n) => n.target.flat().join(' >> '));
      const more = v.nodes.length > 3 ? ` (+${v.nodes.length - 3} more)` : '';
      return `  - ${v.id} [${v.impact}] ${v.help}: ${targets.join(' | ')}${more}`;
    })
    .join('\n');
}

/**
 * Run axe-core on the page and fail listing each violation. The full results
 * of a failing page go to ../artifacts/axe/<label>.json.
 */
export async function axeCheck(page, label) {
  const violations = await axeViolations(page);
  if (violations.length === 0) return;
  const dir = path.join(ARTIFACTS_DIR, 'axe');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, `${fileSafe(label)}.json`), JSON.stringify({ url: page.url(), violations }, null, 2));
  throw new assert.AssertionError({
    message: `${label}: ${violations.length} axe violation(s) on ${page.url()}:\n${formatViolations(violations)}`,
  });
}

/** Save a full-page screenshot as ../artifacts/screenshots/<name>.png. */
export async function shot(page, name) {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${fileSafe(name)}.png`);
  await page.screenshot({ path: file, fullPage: true, animations: 'disabled' });
  return file;
}

/** Fail when the page scrolls sideways: wider than its viewport (or than width, when given). */
export async function assertFits(page, width = page.viewportSize()?.width ?? 0) {
  const w = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(w <= width, `the page is ${w} px wide at ${width} px on ${await whereAmI(page)}`);
}

/** The page fits its viewport, has no axe violation, and is photographed as <label>-<width>.png. */
export async function checkPage(page, label) {
  await assertFits(page);
  await axeCheck(page, label);
  await shot(page, `${label}-${page.viewportSize()?.width ?? 0}`);
}

function fileSafe(s) {
  return s.replace(/[^\p{L}\p{N}_.-]+/gu, '_').replace(/^_+|_+$/g, '');
}

/**
 * Collects the failed checks of one step, so that a test reports all of them
 * at once: check(ok, msg) records msg when !ok; attempt(fn) records a thrown
 * error's message; done(label) fails listing everything.
 */
export class Problems {
  constructor() {
    this.list = [];
  }

  check(ok, message) {
    if (!ok) this.list.push(message);
  }

  async attempt(fn) {
    try {
      return await fn();
    } catch (err) {
      this.list.push(err.message);
      return undefined;
    }
  }

  done(label) {
    if (this.list.length) assert.fail(`${label}: ${this.list.length} problem(s):\n- ${this.list.join('\n- ')}`);
  }
}
