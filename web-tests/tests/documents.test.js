// Issue 19: the printable documents, as town staff (`demo_town`, 南翔镇):
// - from an open assistive device case of the demo whose devices were handed
//   over, the case page's "documents to print" table links the receipt's
//   print page; it opens with the federation's header, the person's name and
//   the signature lines, one h1, no axe violation in Chinese and English,
//   and no sideways scroll at 390 px and 320 px;
// - its PDF link answers application/pdf, as a download with a UTF-8 file
//   name, never cached;
// - the print stylesheet lays it out on A4 (print media: the site's header,
//   navigation and the page's own links are not printed).
// Screenshots ../artifacts/screenshots/documents-*.png.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { launchBrowser, withQuery, checkPage, axeCheck } from '../lib/browser.js';
import { accountSession } from '../lib/session.js';

const FILE_TIMEOUT_MS = 6 * 60_000;
const STEP_TIMEOUT_MS = 120_000;
const PHONE = { width: 390, height: 844 };

describe('documents: the handover receipt', { timeout: FILE_TIMEOUT_MS }, () => {
  let server;
  let browser;
  before(async () => {
    server = await startServer('documents');
    browser = await launchBrowser();
  }, { timeout: FILE_TIMEOUT_MS });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });
  const env = () => ({ browser, base: server.base });
  const town = accountSession(env, 'demo_town', { viewport: PHONE });
  after(() => town.close());
  const url = (path, lang) => withQuery(`${server.base}${path}`, { lang });
  let receipt; // the print page's path

  test('a dispensed case links its handover receipt', { timeout: STEP_TIMEOUT_MS }, async () => {
    const { page } = await town.get();
    await page.goto(url('/cases?show=open&type=assistive_device', 'zh'));
    const cases = [...new Set(await page.$$eval('main a[href]', (as) => as.map((a) => new URL(a.href).pathname).filter((p) => /^\/cases\/\d+$/.test(p))))];
    assert.ok(cases.length > 0, 'the demo town has open assistive device cases');
    for (const c of cases.slice(0, 30)) {
      await page.goto(url(c, 'zh'));
      const link = page.locator('main table a[href$="/documents/handover"]').first();
      if (await link.count()) {
        assert.match(await link.innerText(), /辅助器具发放签收单/);
        receipt = new URL(await link.evaluate((a) => a.href)).pathname;
        assert.ok(await page.locator(`main a[href="${receipt}.pdf"]`).count(), 'the PDF is linked beside it');
        break;
      }
    }
    assert.ok(receipt, `none of ${cases.length} open device cases links to a handover receipt`);
  });

  test('the print page: header, name, signature lines; axe clean in both languages; fits 390 and 320 px', { timeout: STEP_TIMEOUT_MS }, async () => {
    assert.ok(receipt, 'a receipt was found');
    const { page } = await town.get();
    const resp = await page.goto(url(receipt, 'zh'));
    assert.equal(resp?.status(), 200);
    const doc = page.locator('main article.printdoc');
    const text = (await doc.innerText()).replace(/\s+/g, ' ');
    assert.match(text, /上海市嘉定区残疾人联合会/);
    assert.match(text, /辅助器具发放签收单/);
    assert.match(text, /领取人（或监护人）签字/);
    assert.match(text, /姓名 \S+/);
    assert.equal(await page.locator('h1').count(), 1);
    await checkPage(page, 'documents-handover-zh');
    await page.setViewportSize({ width: 320, height: 700 });
    await checkPage(page, 'documents-handover-zh');
    await page.setViewportSize(PHONE);
    await page.goto(url(receipt, 'en'));
    assert.match((await doc.innerText()).replace(/\s+/g, ' '), /Assistive device handover receipt.*Jiading District Disabled Persons' Federation|Jiading District Disabled Persons' Federation.*Assistive device handover receipt/);
    await axeCheck(page, 'documents-handover-en');
    // On paper: the document alone.
    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.locator('.site-nav').isVisible(), false, 'the navigation is not printed');
    assert.equal(await page.locator('main > .actions').isVisible(), false, 'the page\'s own links are not printed');
    assert.equal(await doc.isVisible(), true);
    await page.emulateMedia({ media: 'screen' });
  });

  test('the PDF link answers a PDF download', { timeout: STEP_TIMEOUT_MS }, async () => {
    const { page } = await town.get();
    await page.goto(url(receipt, 'zh'));
    const href = await page.locator('main a[download]').first().evaluate((a) => a.href);
    const resp = await page.request.get(href);
    assert.equal(resp.status(), 200);
    const h = resp.headers();
    assert.equal(h['content-type'], 'application/pdf');
    assert.equal(h['cache-control'], 'no-store');
    assert.match(h['content-disposition'], /^attachment; filename="[^"]+\.pdf"; filename\*=UTF-8''%E8%BE%85/);
    const body = await resp.body();
    assert.equal(body.subarray(0, 5).toString(), '%PDF-');
  });
});
