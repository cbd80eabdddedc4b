// Issue 20: moving a person between districts, as town staff (`demo_town`)
// on a phone (390×844). The demo installation has no partner district (the
// federation registers them), so the journey here is the part a lone
// installation can walk; the whole move between two installations is the
// Go test internal/transfers (TestMovePages, TestMoveEndToEnd):
// - from a person's page, "转往合作区" opens the issue form; sent without a
//   partner, the error is tied to the partner field and the reason is kept;
// - /transfers lists outgoing and incoming moves and takes a package: a file
//   that is not one is refused with the error tied to the file field;
// - axe clean in Chinese and English, no sideways scroll at 390 px and 320 px.
// Screenshots ../artifacts/screenshots/transfers-*.png.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { launchBrowser, navigating, withQuery, checkPage } from '../lib/browser.js';
import { accountSession } from '../lib/session.js';

const FILE_TIMEOUT_MS = 6 * 60_000;
const STEP_TIMEOUT_MS = 120_000;
const PHONE = { width: 390, height: 844 };

describe('transfers: town staff on a phone', { timeout: FILE_TIMEOUT_MS }, () => {
  let server;
  let browser;
  before(async () => {
    server = await startServer('transfers');
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

  test('the issue form from a person\'s page refuses a move without a partner', { timeout: STEP_TIMEOUT_MS }, async () => {
    const { page, placeholders } = await town.get();
    const id = await placeholders.id();
    await page.goto(url(`/persons/${id}`, 'zh'));
    await navigating(page, () => page.getByRole('link', { name: '转往合作区' }).click());
    assert.equal(new URL(page.url()).pathname, `/persons/${id}/transfer`);
    await checkPage(page, 'transfers-issue-zh');
    await page.getByLabel('迁移原因').fill('随子女迁居昆山');
    await navigating(page, () => page.getByRole('button', { name: '签发转移包' }).click());
    assert.equal(await page.getByLabel('转入合作区').getAttribute('aria-invalid'), 'true');
    assert.match(await page.locator('#e-to').innerText(), /合作区/);
    assert.equal(await page.getByLabel('迁移原因').inputValue(), '随子女迁居昆山', 'the reason typed is kept');
    await checkPage(page, 'transfers-issue-refused-zh');
    await page.setViewportSize({ width: 320, height: 640 });
    await checkPage(page, 'transfers-issue-refused-zh');
    await page.setViewportSize(PHONE);
    await page.goto(url(`/persons/${id}/transfer`, 'en'));
    await checkPage(page, 'transfers-issue-en');
  });

  test('a file that is not a transfer package is refused on /transfers', { timeout: STEP_TIMEOUT_MS }, async () => {
    const { page } = await town.get();
    await page.goto(url('/transfers', 'zh'));
    await checkPage(page, 'transfers-list-zh');
    await page.getByLabel('转移包文件').setInputFiles({ name: 'package.json', mimeType: 'application/json', buffer: Buffer.from('{"hello":"world"}') });
    await navigating(page, () => page.getByRole('button', { name: '上传并核验' }).click());
    assert.equal(await page.getByLabel('转移包文件').getAttribute('aria-invalid'), 'true');
    assert.match(await page.locator('#e-file').innerText(), /转移包/);
    await checkPage(page, 'transfers-refused-zh');
    await page.setViewportSize({ width: 320, height: 640 });
    await checkPage(page, 'transfers-refused-zh');
    await page.setViewportSize(PHONE);
    await page.goto(url('/transfers', 'en'));
    await checkPage(page, 'transfers-list-en');
  });
});
