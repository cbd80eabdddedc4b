// Layout and display modes, as district staff (demo):
// - at 320×640 no page of the account scrolls sideways, and axe passes;
// - in the standard, large-text and high-contrast modes axe passes on home,
//   /persons and a person's page; large text makes the root font ≥ 1.25×;
// - the display form in the header switches the mode and the choice sticks.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import {
  launchBrowser, axeCheck, shot, withQuery, whereAmI, setPreference, Problems,
} from '../lib/browser.js';
import { account, LANGUAGES, DISPLAY_MODES, slug } from '../lib/pages.js';
import { accountSession } from '../lib/session.js';

const FILE_TIMEOUT_MS = 25 * 60_000; // about 240 visits at 320 px (120 pages × 2 languages) at 2–5 s each: lists as cards below 600 px make tall pages to screenshot and check
const STEP_TIMEOUT_MS = 90_000;
const NARROW = { width: 320, height: 640 };
const MODE_PAGES = ['/', '/persons', '/persons/{id}'];
const LARGE_RATIO = 1.25;

const demo = account('demo');

/** The root (html) font size in px. */
const rootFontSize = (page) => page.evaluate(() => parseFloat(getComputedStyle(document.documentElement).fontSize));

/** The innermost elements that stick out to the right of the viewport. */
const overflowing = (page) =>
  page.evaluate(() => {
    const w = document.documentElement.clientWidth;
    const out = (el) => {
      const r = el.getBoundingClientRect();
      return r.width > 0 && r.right > w + 1;
    };
    const desc = (el) => {
      const id = el.id ? `#${el.id}` : '';
      const cls = typeof el.className === 'string' && el.className.trim() ? `.${el.className.trim().split(/\s+/).join('.')}` : '';
      return `${el.tagName.toLowerCase()}${id}${cls} (right edge ${Math.round(el.getBoundingClientRect().right)}px)`;
    };
    return [...document.querySelectorAll('body *')]
      .filter((el) => out(el) && ![...el.children].some(out))
      .slice(0, 5)
      .map(desc);
  });

describe('layout: 320 px, large text and high contrast (as demo)', { timeout: FILE_TIMEOUT_MS }, () => {
  let server;
  let browser;
  before(async () => {
    server = await startServer('layout');
    browser = await launchBrowser();
  }, { timeout: FILE_TIMEOUT_MS });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  describe(`at ${NARROW.width}×${NARROW.height} no page scrolls sideways`, () => {
    const session = accountSession(() => ({ browser, base: server.base }), demo.username, { viewport: NARROW });
    after(() => session.close());

    for (const template of demo.pages) {
      for (const lang of LANGUAGES) {
        test(`${template} [${lang.code}] at ${NARROW.width} px`, { timeout: STEP_TIMEOUT_MS }, async () => {
          const { page, watch, placeholders } = await session.get();
          const label = `${demo.role} ${template} [${lang.code}] at ${NARROW.width} px`;
          const url = withQuery(await placeholders.url(template), { lang: lang.code });
          watch.reset();
          const resp = await page.goto(url);
          assert.equal(resp?.status(), 200, `${label}: GET ${new URL(url).pathname} answered HTTP ${resp?.status()}, now on ${await whereAmI(page)}`);
          assert.equal(new URL(page.url()).pathname, new URL(url).pathname, `${label}: GET ${new URL(url).pathname} was redirected to ${await whereAmI(page)}`);
          const p = new Problems();
          const scrollWidth = await page.evaluate(() => document.scrollingElement.scrollWidth);
          p.check(
            scrollWidth <= NARROW.width + 1,
            `scrolls sideways: scrollWidth ${scrollWidth}px > ${NARROW.width}px; sticking out: ${(await overflowing(page)).join(', ') || '?'}`,
          );
          await p.attempt(() => axeCheck(page, `${demo.role}-${slug(template)}-${lang.code}-320`));
          await shot(page, `${demo.role}-${slug(template)}-${lang.code}-320`);
          p.list.push(...watch.problems());
          p.done(label);
        });
      }
    }
  });

  describe('display modes (?display=standard|large|contrast)', () => {
    const session = accountSession(() => ({ browser, base: server.base }), demo.username);
    after(() => session.close());

    for (const mode of DISPLAY_MODES) {
      for (const template of MODE_PAGES) {
        test(`${template} in ${mode} mode: axe passes`, { timeout: STEP_TIMEOUT_MS }, async () => {
          const { page, watch, placeholders } = await session.get();
          const label = `${demo.role} ${template} [display=${mode}]`;
          const url = withQuery(await placeholders.url(template), { display: mode });
          watch.reset();
          const resp = await page.goto(url);
          assert.equal(resp?.status(), 200, `${label}: GET ${new URL(url).pathname} answered HTTP ${resp?.status()}, now on ${await whereAmI(page)}`);
          assert.equal(new URL(page.url()).pathname, new URL(url).pathname, `${label}: GET ${new URL(url).pathname} was redirected to ${await whereAmI(page)}`);
          const p = new Problems();
          await p.attempt(() => axeCheck(page, `${demo.role}-${slug(template)}-zh-${mode}`));
          if (template === '/') await shot(page, `${demo.role}-home-zh-${mode}`);
          p.list.push(...watch.problems());
          p.done(label);
        });
      }
    }

    test(`large text: the root font size is at least ${LARGE_RATIO}× the standard one`, { timeout: STEP_TIMEOUT_MS }, async () => {
      const { page } = await session.get();
      const size = {};
      for (const mode of ['standard', 'large']) {
        const resp = await page.goto(`${server.base}/?display=${mode}`);
        assert.equal(resp?.status(), 200, `large text: GET /?display=${mode} answered HTTP ${resp?.status()}`);
        size[mode] = await rootFontSize(page);
      }
      assert.ok(
        size.large >= LARGE_RATIO * size.standard,
        `large text: the root font size is ${size.large}px in large mode and ${size.standard}px in standard mode (ratio ${(size.large / size.standard).toFixed(2)}, need ≥ ${LARGE_RATIO})`,
      );
    });

    test('the display form in the header (POST /preferences, select display) switches the mode and it sticks', { timeout: STEP_TIMEOUT_MS }, async () => {
      const { page, watch } = await session.get();
      watch.reset();
      await page.goto(`${server.base}/`);
      const standard = await rootFontSize(page);
      await setPreference(page, 'display', 'large');
      const large = await rootFontSize(page);
      assert.ok(large >= LARGE_RATIO * standard, `display form: after choosing large, the root font is ${large}px (standard ${standard}px)`);
      await page.goto(`${server.base}/persons`);
      assert.equal(await rootFontSize(page), large, 'display form: large text should stick for the next page (/persons without ?display)');
      await setPreference(page, 'display', 'contrast');
      await page.goto(`${server.base}/`);
      await axeCheck(page, `${demo.role}-home-zh-contrast-by-form`);
      await setPreference(page, 'display', 'standard');
      assert.equal(await rootFontSize(page), standard, 'display form: back to standard, the root font size should be the standard one again');
      watch.assertClean('display form');
    });
  });
});
