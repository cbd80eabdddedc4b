// Issue 19: the notifications. The demo person (`demo_person`) on a phone
// (390 px): the header's link names the unread count; on /notifications one
// is marked read with its button (a plain form: 303 back), and the count in
// the header drops by one; "mark all as read" empties it. The page fits at
// 390 px and has no axe violation, in Chinese and English.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { launchBrowser, navigating, withQuery, checkPage } from '../lib/browser.js';
import { accountSession } from '../lib/session.js';

const FILE_TIMEOUT_MS = 4 * 60_000;
const STEP_TIMEOUT_MS = 120_000;
const PHONE = { width: 390, height: 844 };

describe('notifications: a person reads them on a phone', { timeout: FILE_TIMEOUT_MS }, () => {
  let server;
  let browser;
  before(async () => {
    server = await startServer('notifications');
    browser = await launchBrowser();
  }, { timeout: FILE_TIMEOUT_MS });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });
  const env = () => ({ browser, base: server.base });
  const person = accountSession(env, 'demo_person', { viewport: PHONE });
  after(() => person.close());
  const url = (path, lang) => withQuery(`${server.base}${path}`, { lang });
  const count = async (page) => Number(await page.locator('#unread-link').getAttribute('data-unread'));

  test('the unread count drops as the person reads', { timeout: STEP_TIMEOUT_MS }, async () => {
    const { page } = await person.get();
    await page.goto(url('/', 'zh'));
    const link = page.getByRole('link', { name: /^通知 \(\d+\)/ });
    await assert.doesNotReject(link.waitFor(), 'the header links the notifications with the count');
    const before = await count(page);
    assert.ok(before >= 2, `the demo person has unread notifications (${before})`);
    await navigating(page, () => link.click());
    assert.equal(new URL(page.url()).pathname, '/notifications');
    await checkPage(page, 'notifications-zh');
    const first = page.getByRole('button', { name: /^标记为已读/ }).first();
    await navigating(page, () => first.click());
    assert.equal(await count(page), before - 1, 'one fewer unread in the header');
    await assert.doesNotReject(page.getByRole('status').filter({ hasText: '已标记为已读' }).waitFor());
    await page.goto(url('/notifications', 'en'));
    await checkPage(page, 'notifications-en');
    await navigating(page, () => page.getByRole('button', { name: 'Mark all as read' }).click());
    assert.equal(await count(page), 0, 'none unread');
    await page.goto(url('/notifications/settings', 'zh'));
    await checkPage(page, 'notifications-settings-zh');
  });
});
