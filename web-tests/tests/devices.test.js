// Issue 14, "no dead ends" for assistive devices: town staff on a phone
// (390 px, English) dispense an approval the point cannot fully cover. The
// service point list shows the stock of the items with the person's town's
// point first; dispensing everything is refused naming the product short;
// dispensing what is in stock leaves the rest open with ways forward
// (dispense the rest, from another point; re-assess; close) and no cancel.
// Axe and no sideways scrolling at each state; screenshots in
// ../artifacts/screenshots/devices-*.png.
// The steps share one page and run in order; a failed step skips the rest.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { launchBrowser, newSession, navigating, login, axeCheck, setPreference, shot, assertFits } from '../lib/browser.js';

const FILE_TIMEOUT_MS = 5 * 60_000;
const STEP_TIMEOUT_MS = 90_000;

describe('devices: a partly available approval (as demo_town, 390 px, English)', { timeout: FILE_TIMEOUT_MS }, () => {
  let server;
  let browser;
  let s; // { context, page, watch }
  let failed = null;
  let casePath = '';

  before(async () => {
    server = await startServer('devices');
    browser = await launchBrowser();
    s = await newSession(browser, server.base, { viewport: { width: 390, height: 844 } });
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
      // A refused dispense answers 409 on purpose; Chromium logs that as a failed load.
      const problems = s.watch.problems().filter((p) => !/status of 409 .*\/act:0\)$/.test(p));
      if (problems.length) assert.fail(`${name}:\n  - ${problems.join('\n  - ')}`);
    });

  /** The page does not scroll sideways at 390 px. */
  const fits = (page) => assertFits(page, 390);

  /** Submit the case page's form of an action. */
  const act = (page, action) => {
    const form = page.locator(`main form:has(input[name="action"][value="${action}"])`);
    return navigating(page, () => form.locator('button[type="submit"]').click());
  };

  step('sign in as town staff in English and find the approval waiting to be dispensed', async (page) => {
    await login(page, server.base, 'demo_town');
    await setPreference(page, 'lang', 'en');
    await page.goto(`${server.base}/cases?show=open`);
    const links = await page.locator('main a[href^="/cases/"]').evaluateAll((as) => [...new Set(as.map((a) => a.getAttribute('href')))]);
    for (const href of links) {
      if (!/^\/cases\/\d+$/.test(href)) continue;
      await page.goto(server.base + href);
      if (await page.locator('input[name="action"][value="dispense_part"]').count()) {
        casePath = href;
        break;
      }
    }
    assert.ok(casePath, `no open case offers "dispense what is in stock" among ${links.join(' ')}`);
  });

  step('the assessment offers first what suits the person, and the whole catalogue after', async (page) => {
    await page.goto(`${server.base}/cases?show=open`);
    const links = await page.locator('main a[href^="/cases/"]').evaluateAll((as) => [...new Set(as.map((a) => a.getAttribute('href')))]);
    let found = '';
    for (const href of links) {
      if (!/^\/cases\/\d+$/.test(href)) continue;
      await page.goto(server.base + href);
      if (await page.locator('select[name="items"]').count()) {
        found = href;
        break;
      }
    }
    assert.ok(found, 'no open case offers the assessment');
    const groups = await page.locator('#f-items-0 optgroup').evaluateAll((gs) => gs.map((g) => g.label));
    assert.equal(groups.length, 2, `the items should come in two groups: ${groups.join(' | ')}`);
    assert.match(groups[0], /^Suits /, `the first group should be what suits the person: "${groups[0]}"`);
    assert.match(groups[1], /whole catalogue/, `the second group should be the rest: "${groups[1]}"`);
    await fits(page);
    await axeCheck(page, 'devices-assess-en');
    await shot(page, 'devices-assess-en-390');
    await page.goto(server.base + casePath);
  });

  step('the points show their stock of the items, the person\'s town first', async (page) => {
    const first = await page.locator('#f-service_point option').first().textContent();
    assert.match(first, /^Nanxiang/, `the first point should be the person's town's: "${first}"`);
    assert.match(first, /Behind-the-ear hearing aid: \d+ in stock/, `the point should show its stock: "${first}"`);
    assert.match(first, /In-the-ear hearing aid: 0 in stock/, `the point should show the item it lacks: "${first}"`);
    await fits(page);
    await axeCheck(page, 'devices-approved-en');
    await shot(page, 'devices-approved-en-390');
  });

  step('dispensing everything is refused naming the product short', async (page) => {
    const resp = await act(page, 'dispense');
    assert.equal(resp?.status(), 409, `dispense answered ${resp?.status()}`);
    const summary = await page.locator('#error-summary').textContent();
    assert.ok(summary.includes('In-the-ear hearing aid (22 06 03)'), `the error should name the product: "${summary}"`);
    await fits(page);
    await axeCheck(page, 'devices-short-en');
    await shot(page, 'devices-short-en-390');
  });

  step('what is in stock is dispensed; the rest stays open with ways forward', async (page) => {
    const resp = await act(page, 'dispense_part');
    assert.equal(resp?.status(), 200, `dispense_part ended on HTTP ${resp?.status()}`);
    const main = await page.locator('main').textContent();
    assert.ok(main.includes('Items still to dispense') && main.includes('In-the-ear hearing aid'), 'the page should list the item still to dispense');
    assert.ok(main.includes('Items dispensed') && main.includes('Behind-the-ear hearing aid'), 'the page should list the item dispensed');
    for (const a of ['dispense', 'dispense_part', 'reassess', 'close']) {
      assert.equal(await page.locator(`input[name="action"][value="${a}"]`).count(), 1, `the case should offer "${a}"`);
    }
    for (const a of ['cancel', 'reject', 'return', 'renew']) {
      assert.equal(await page.locator(`input[name="action"][value="${a}"]`).count(), 0, `a partly dispensed grant should not offer "${a}"`);
    }
    await fits(page);
    await axeCheck(page, 'devices-partial-en');
    await shot(page, 'devices-partial-en-390');
    await setPreference(page, 'lang', 'zh');
  });
});
