// Issue 19: attachments, as a village assistant (`demo_village`) on a phone
// (390×844):
// - from a person's page, "add or manage attachments"; a text file named
//   .jpg is refused by its content: the error is tied to the file field and
//   the chosen kind is kept;
// - a small JPEG (set on the file input) with the kind 残疾人证 is uploaded:
//   the attachments page shows its thumbnail (loaded, alt naming the kind
//   and date), and so does the person's page; the thumbnail opens the file;
// - axe clean in Chinese and English, no sideways scroll at 390 px and 320 px.
// Screenshots ../artifacts/screenshots/attachments-*.png.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { launchBrowser, navigating, withQuery, checkPage } from '../lib/browser.js';
import { accountSession } from '../lib/session.js';

const FILE_TIMEOUT_MS = 6 * 60_000;
const STEP_TIMEOUT_MS = 120_000;
const PHONE = { width: 390, height: 844 };
// A 32×24 JPEG photo.
const PHOTO = Buffer.from('/9j/2wCEAAoHBwgHBgoICAgLCgoLDhgQDg0NDh0VFhEYIx8lJCIfIiEmKzcvJik0KSEiMEExNDk7Pj4+JS5ESUM8SDc9PjsBCgsLDg0OHBAQHDsoIig7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7O//AABEIABgAIAMBIgACEQEDEQH/xAGiAAABBQEBAQEBAQAAAAAAAAAAAQIDBAUGBwgJCgsQAAIBAwMCBAMFBQQEAAABfQECAwAEEQUSITFBBhNRYQcicRQygZGhCCNCscEVUtHwJDNicoIJChYXGBkaJSYnKCkqNDU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6g4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2drh4uPk5ebn6Onq8fLz9PX29/j5+gEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoLEQACAQIEBAMEBwUEBAABAncAAQIDEQQFITEGEkFRB2FxEyIygQgUQpGhscEJIzNS8BVictEKFiQ04SXxFxgZGiYnKCkqNTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqCg4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2dri4+Tl5ufo6ery8/T19vf4+fr/2gAMAwEAAhEDEQA/AObhSr8KVXhSr8KVy1cu8jysFPYsQpWhClV4Uq/CledVy7yPtMFPY5iFK0IUqnDV+HtX6RUw8D4LBN6FyFKvwpVOHtWhDXnVcPA+zwTeh//Z', 'base64');

describe('attachments: a village assistant uploads a photo from a phone', { timeout: FILE_TIMEOUT_MS }, () => {
  let server;
  let browser;
  before(async () => {
    server = await startServer('attachments');
    browser = await launchBrowser();
  }, { timeout: FILE_TIMEOUT_MS });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });
  const env = () => ({ browser, base: server.base });
  const village = accountSession(env, 'demo_village', { viewport: PHONE });
  after(() => village.close());
  const url = (path, lang) => withQuery(`${server.base}${path}`, { lang });

  test('a photo uploaded on a person\'s page shows as a thumbnail', { timeout: STEP_TIMEOUT_MS }, async () => {
    const { page, placeholders } = await village.get();
    const id = await placeholders.id();
    await page.goto(url(`/persons/${id}`, 'zh'));
    await navigating(page, () => page.getByRole('link', { name: '添加或管理附件' }).click());
    assert.equal(new URL(page.url()).pathname, `/persons/${id}/attachments`);
    await checkPage(page, 'attachments-empty-zh');

    // A text file named like a photo: refused by its content, the kind kept.
    await page.getByLabel('类型').selectOption('certificate');
    await page.getByLabel('照片或文件').setInputFiles({ name: 'photo.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('name,phone\n张三,13812345678\n') });
    await navigating(page, () => page.getByRole('button', { name: '上传', exact: true }).click());
    assert.match(await page.locator('#e-file').innerText(), /文本文件/);
    assert.equal(await page.getByLabel('照片或文件').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.getByLabel('类型').inputValue(), 'certificate', 'the kind chosen is kept');
    await checkPage(page, 'attachments-refused-zh');

    // The photo.
    await page.getByLabel('照片或文件').setInputFiles({ name: 'IMG_0001.jpg', mimeType: 'image/jpeg', buffer: PHOTO });
    await navigating(page, () => page.getByRole('button', { name: '上传', exact: true }).click());
    assert.match(page.url(), /done=added/);
    const thumb = page.locator('.thumbs img').first();
    assert.match(await thumb.getAttribute('alt'), /^残疾人证，\d{4}-\d{2}-\d{2} 上传$/);
    await thumb.evaluate((img) => img.decode());
    assert.ok(await thumb.evaluate((img) => img.naturalWidth === 32 && img.naturalHeight === 24), 'the thumbnail is the photo');
    await checkPage(page, 'attachments-added-zh');
    await page.setViewportSize({ width: 320, height: 700 });
    await checkPage(page, 'attachments-added-zh');
    await page.setViewportSize(PHONE);
    await page.goto(url(`/persons/${id}/attachments`, 'en'));
    await checkPage(page, 'attachments-added-en');

    // The person's page shows it too, and its link opens the photo.
    await page.goto(url(`/persons/${id}`, 'zh'));
    const cell = page.locator('table:has(#attachments-caption) img').first();
    await cell.scrollIntoViewIfNeeded();
    assert.match(await cell.getAttribute('alt'), /残疾人证/);
    await cell.evaluate((img) => img.decode());
    await checkPage(page, 'attachments-person-zh');
    const href = await page.locator('table:has(#attachments-caption) a').first().getAttribute('href');
    const resp = await page.request.get(`${server.base}${href}`);
    assert.equal(resp.status(), 200);
    assert.equal(resp.headers()['content-type'], 'image/jpeg');
    assert.deepEqual(Buffer.from(await resp.body()), PHOTO, 'the photo without metadata is stored as it is');
  });
});
