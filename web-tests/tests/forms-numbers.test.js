// Issue 14, "forms never lose or invent data": an employer posts a vacancy
// with a wage typed as people write it ("5,500"). A mistake elsewhere keeps
// the wage exactly as typed; a wage that cannot be read ("5,5OO") is refused
// with the error next to the field (aria-describedby, aria-invalid), the typed
// text kept, the focus on the error summary whose first link leads to the
// field; fixed, the vacancy shows 5500 元 — never 0 (面议). Axe on each state,
// in Chinese and English.
// The steps share one page and run in order; a failed step skips the rest.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { launchBrowser, newSession, navigating, whereAmI, login, axeCheck, setPreference } from '../lib/browser.js';

const FILE_TIMEOUT_MS = 5 * 60_000;
const STEP_TIMEOUT_MS = 90_000;

describe('forms keep what was typed: the vacancy wage (as demo_employer)', { timeout: FILE_TIMEOUT_MS }, () => {
  let server;
  let browser;
  let s; // { context, page, watch }
  let failed = null;

  before(async () => {
    server = await startServer('forms-numbers');
    browser = await launchBrowser();
    s = await newSession(browser, server.base);
  }, { timeout: FILE_TIMEOUT_MS });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const step = (name, fn) =>
    test(name, { timeout: STEP_TIMEOUT_MS }, async (t) => {
      if (failed) {
        t.skip(`needs the step "${failed}", which failed`);
        return;
      }
      s.watch.reset();
      try {
        await fn(s.page);
      } catch (err) {
        failed = name;
        throw err;
      }
      // A refused form answers 422 on purpose; Chromium logs that as a failed load.
      const problems = s.watch.problems().filter((p) => !/status of 422 .*\/vacancies\/new:0\)$/.test(p));
      if (problems.length) assert.fail(`${name}:\n  - ${problems.join('\n  - ')}`);
    });

  /** Fill the vacancy form's text fields and submit it; returns the answer's status. */
  const submit = async (page, fields) => {
    const form = page.locator('main form[action^="/vacancies"]');
    for (const [name, value] of Object.entries(fields)) await form.locator(`[name="${name}"]`).fill(value);
    return navigating(page, () => form.locator('button[type="submit"]').click());
  };

  /** What the focus is on: the element's id. */
  const focusedId = (page) => page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName || '');

  /** The wage input's value, state and described-by errors. */
  const wage = (page) =>
    page.locator('#f-monthly_wage').evaluate((el) => ({
      value: el.value,
      invalid: el.getAttribute('aria-invalid'),
      describedBy: (el.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean),
      error: document.getElementById('e-monthly_wage')?.textContent || '',
    }));

  step('sign in as the employer and open the vacancy form', async (page) => {
    await login(page, server.base, 'demo_employer');
    const resp = await page.goto(`${server.base}/vacancies/new`);
    assert.equal(resp?.status(), 200, `GET /vacancies/new answered HTTP ${resp?.status()}`);
    assert.equal(await page.locator('#f-monthly_wage').count(), 1, 'the vacancy form has no wage input #f-monthly_wage');
  });

  step('a mistake elsewhere: the wage "5,500" is kept exactly as typed', async (page) => {
    await submit(page, { title: '', positions: '2', monthly_wage: '5,500' });
    const w = await wage(page);
    assert.equal(w.value, '5,500', `after an error on the title the wage should read "5,500", it reads "${w.value}" on ${await whereAmI(page)}`);
    assert.equal(w.invalid, null, 'the wage is not in error');
    assert.equal(await page.locator('#f-title').getAttribute('aria-invalid'), 'true', 'the title should be marked invalid');
    assert.equal(await focusedId(page), 'error-summary', 'the focus should be on the error summary');
    await axeCheck(page, 'forms-numbers-title-error-zh');
  });

  step('a wage that cannot be read is refused, the text kept and the error tied to it', async (page) => {
    await submit(page, { title: '包装工', monthly_wage: '5,5OO' });
    assert.match(new URL(page.url()).pathname, /\/vacancies\/new$/, `the refused form should stay on /vacancies/new, it is ${await whereAmI(page)}`);
    const w = await wage(page);
    assert.equal(w.value, '5,5OO', `the refused wage should read "5,5OO", it reads "${w.value}"`);
    assert.equal(w.invalid, 'true', 'the wage should be aria-invalid');
    assert.ok(w.describedBy.includes('e-monthly_wage'), `the wage's aria-describedby should name e-monthly_wage: ${w.describedBy.join(' ')}`);
    assert.ok(w.error.includes('5,5OO'), `the error should quote what was typed: "${w.error}"`);
    assert.equal(await focusedId(page), 'error-summary', 'the focus should be on the error summary');
    const first = page.locator('#error-summary a').first();
    assert.equal(await first.getAttribute('href'), '#f-monthly_wage', 'the summary\'s first link should lead to the wage');
    // Keyboard: Tab from the summary to its first link, Enter → the wage input.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('href')), '#f-monthly_wage', 'Tab from the summary should reach its link');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.activeElement?.id === 'f-monthly_wage', null, { timeout: 5000 }).catch(() => {});
    assert.equal(await focusedId(page), 'f-monthly_wage', 'the summary\'s link should move the focus to the wage input');
    await axeCheck(page, 'forms-numbers-wage-error-zh');
  });

  step('in English too: the error quotes the text and the page is axe-clean', async (page) => {
    await setPreference(page, 'lang', 'en');
    await page.goto(`${server.base}/vacancies/new`);
    await submit(page, { title: 'Packer', positions: '2', monthly_wage: 'five thousand' });
    const w = await wage(page);
    assert.equal(w.value, 'five thousand', `the refused wage should be kept, it reads "${w.value}"`);
    assert.ok(/not an amount/.test(w.error) && w.error.includes('five thousand'), `the English error: "${w.error}"`);
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    await axeCheck(page, 'forms-numbers-wage-error-en');
    await setPreference(page, 'lang', 'zh');
  });

  step('fixed, the vacancy is saved with the wage as typed: 5500 元, not 面议', async (page) => {
    await page.goto(`${server.base}/vacancies/new`);
    await submit(page, { title: '包装工', positions: '2', monthly_wage: '5,500' });
    assert.match(new URL(page.url()).pathname, /^\/vacancies\/\d+$/, `saving should open the vacancy, it is ${await whereAmI(page)}`);
    const text = await page.locator('main').innerText();
    assert.ok(text.includes('5500 元'), `the vacancy should show 5500 元: ${text.slice(0, 400)}`);
    assert.ok(!text.includes('面议'), 'the vacancy shows 面议 for a typed wage');
    await axeCheck(page, 'forms-numbers-vacancy-zh');
  });
});
