// Issue 20: districts as peers. Two installations: Jiading (the demo) and
// Kunshan (`serve --district 320583` with Kunshan's demo), each its own
// binary run, database and port. Kunshan's administrator adds Jiading's
// partner account and issues it a key (the CLI, before serve). Jiading's
// district staff, on a phone (390 px) and in English, registers Kunshan on
// the partner connections page with that key, tests the connection, and
// sees Kunshan's figures beside Jiading's on the federation page with the
// total; then Kunshan stops, and the page says it did not answer and shows
// its cached figures, out of the total. Every page: no sideways scroll, no
// axe violation; the forms are used with the keyboard only.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { launchBrowser, navigating, withQuery, checkPage, setPreference } from '../lib/browser.js';
import { accountSession } from '../lib/session.js';

const FILE_TIMEOUT_MS = 8 * 60_000;
const STEP_TIMEOUT_MS = 150_000;
const PHONE = { width: 390, height: 844 };

describe('federation: a partner district registered and read side by side', { timeout: FILE_TIMEOUT_MS }, () => {
  let jiading;
  let kunshan;
  let browser;
  let token = '';
  before(async () => {
    jiading = await startServer('federation-jiading');
    kunshan = await startServer('federation-kunshan', {
      args: ['--district', '320583'],
      prepare: async (run) => {
        await run(['demo', '--persons', '400']);
        await run(['user', 'add', '--username', 'jiading', '--role', 'peer', '--orgunit', '310114', '--name', '嘉定区系统'], 'partner-password-310114\n');
        token = (await run(['peer', 'issue', '--username', 'jiading'])).trim();
      },
    });
    browser = await launchBrowser();
  }, { timeout: FILE_TIMEOUT_MS });
  after(async () => {
    await browser?.close();
    await kunshan?.stop();
    await jiading?.stop();
  });
  const env = () => ({ browser, base: jiading.base });
  const staff = accountSession(env, 'demo', { viewport: PHONE });
  after(() => staff.close());
  const url = (path, lang) => withQuery(`${jiading.base}${path}`, { lang });

  test('register Kunshan with the key it issued, with the keyboard', { timeout: STEP_TIMEOUT_MS }, async () => {
    assert.match(token, /^sunshine-peer1\.320583\.[0-9a-f]{16}\./, 'Kunshan issued a token');
    const { page } = await staff.get();
    await page.goto(url('/federation/peers', 'en'));
    await setPreference(page, 'lang', 'en'); // the pages after each form's redirect are in English too
    await checkPage(page, 'federation-peers-empty-en');
    await page.getByLabel('Name (e.g. Kunshan federation)').focus();
    await page.keyboard.type('Kunshan federation');
    await page.keyboard.press('Tab');
    await page.keyboard.type(kunshan.base);
    await page.keyboard.press('Tab');
    await page.keyboard.type(token);
    await page.keyboard.press('Tab');
    await navigating(page, () => page.keyboard.press('Enter'));
    await assert.doesNotReject(page.getByRole('status').filter({ hasText: 'Partner district added.' }).waitFor(), 'the partner is added');
    const row = page.getByRole('row', { name: /Kunshan federation/ });
    assert.ok(await row.count(), 'Kunshan is listed');
    await navigating(page, () => page.getByRole('button', { name: /^Test the connection/ }).first().click());
    await assert.doesNotReject(page.getByText(/The connection works: the partner is the installation of .*\(320583\)/).waitFor(), 'the test call answers');
    await checkPage(page, 'federation-peers-en');
    // A wrong key is refused with its field named, and nothing typed but the key is lost.
    await page.getByLabel('Name (e.g. Kunshan federation)').fill('Taicang');
    await page.getByLabel("The partner installation's address").fill('https://tc.example.cn');
    await page.getByLabel('The key the partner issued to this district (one line)').fill('not a token');
    await navigating(page, () => page.getByRole('button', { name: 'Register' }).click());
    await assert.doesNotReject(page.getByText(/The token is not valid/).first().waitFor(), 'a bad token is named');
    assert.equal(await page.getByLabel("The partner installation's address").inputValue(), 'https://tc.example.cn', 'the address is kept');
    await checkPage(page, 'federation-peers-error-en');
  });

  test("Kunshan's figures beside Jiading's, then Kunshan stopped", { timeout: STEP_TIMEOUT_MS }, async () => {
    const { page } = await staff.get();
    await page.goto(url('/federation', 'en'));
    const table = page.getByRole('table', { name: /Indicators of \d+ by district/ });
    await assert.doesNotReject(table.waitFor());
    const headers = await table.locator('thead th').allInnerTexts();
    assert.ok(headers.some((h) => h.includes('Kunshan federation')), `a column for Kunshan: ${headers}`);
    assert.ok(headers.some((h) => h.startsWith('Total')), 'a total column');
    await assert.doesNotReject(page.getByText('Kunshan federation: answered.').waitFor(), 'Kunshan answered');
    await checkPage(page, 'federation-en');
    await page.goto(url('/federation', 'zh'));
    await checkPage(page, 'federation-zh');

    await kunshan.stop();
    await page.goto(url('/federation', 'en'));
    await assert.doesNotReject(page.getByText(/Kunshan federation: did not answer/).waitFor(), 'Kunshan is shown as not answering');
    await assert.doesNotReject(page.getByText(/\(cached\); they are not in the total/).waitFor(), 'its cached figures stand beside it');
    await checkPage(page, 'federation-down-en');
  });
});
