// Issue 23: spreadsheets as staff really have them, through the upload page.
// Town staff bring .xls files that LibreOffice Calc made (as Excel and WPS
// would) from a register with a title row above the header:
// - at 390 px, in English, with the keyboard: a sheet name that is not in
//   the workbook sends the form back with the error linked to the field
//   and every choice kept; without it, the register is imported below its
//   title (the report says which row was the header), and the ID numbers
//   that the spreadsheet stored as numbers are refused, row by row, saying
//   that their last digits are lost and what to do — never suggesting a
//   check digit;
// - in Chinese, the same register with its number columns as text imports
//   every person.
// Axe on every page; screenshots in ../artifacts/screenshots/sheets-*.png.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../lib/server.js';
import { launchBrowser, navigating, withQuery, whereAmI, setPreference, checkPage } from '../lib/browser.js';
import { accountSession } from '../lib/session.js';
import { focusTop, tabUntil, focused } from '../lib/keyboard.js';

const FILE_TIMEOUT_MS = 6 * 60_000;
const STEP_TIMEOUT_MS = 120_000;
const PHONE = { width: 390, height: 844 };
const SOFFICE = process.env.SUNSHINE_TEST_SOFFICE || 'soffice';

function idNumber(first17) {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((s, d, i) => s + Number(d) * w[i], 0);
  return first17 + '10X98765432'[sum % 11];
}

/** IDs of this run: two of digits only, one ending in X. */
function runIDs() {
  const ids = [];
  for (let n = 0; ids.length < 3 && n < 1000; n++) {
    const seq = String((Date.now() + n) % 900 + 100);
    const id = idNumber(`3101141991030${ids.length + 1}${seq}`.slice(0, 17));
    const wantX = ids.length === 2;
    // An ID of digits that survives being stored as a number is rightly
    // imported: not one of these. A spreadsheet keeps 15 significant
    // digits, so the ID comes back with its last three digits as zeros
    // (truncated or rounded); it survives when that reads as a valid ID
    // again (its check digit happens to fit, about 1 in 11).
    const survives = (s) => s.length === 18 && idNumber(s.slice(0, 17)) === s;
    const big = BigInt(id.endsWith('X') ? '0' : id);
    const readBack = [(big / 1000n) * 1000n, ((big + 500n) / 1000n) * 1000n].map(String);
    const exact = !id.endsWith('X') && (readBack.includes(id) || readBack.some(survives));
    if ((id.endsWith('X')) === wantX && !exact) ids.push(id);
  }
  return ids;
}

/** Convert a CSV to .xls with LibreOffice in headless mode; infilter sets how the CSV is read. */
function toXLS(dir, name, csv, infilter) {
  const src = join(dir, `${name}.csv`);
  writeFileSync(src, csv);
  const out = join(dir, `out-${name}`);
  execFileSync(
    SOFFICE,
    [`-env:UserInstallation=file://${join(dir, 'profile')}`, '--headless', '--norestore', `--infilter=${infilter}`, '--convert-to', 'xls', '--outdir', out, src],
    { stdio: 'pipe', timeout: 120_000, env: { ...process.env, HOME: dir } },
  );
  const made = readdirSync(out).find((f) => f.endsWith('.xls'));
  assert.ok(made, `LibreOffice made no .xls of ${name}`);
  return readFileSync(join(out, made));
}

function haveSoffice() {
  try {
    execFileSync(SOFFICE, ['--version'], { stdio: 'pipe', timeout: 60_000 });
    return true;
  } catch {
    return false;
  }
}

const hasOffice = haveSoffice();
if (!hasOffice && process.env.CI) throw new Error(`LibreOffice (${SOFFICE}) is not installed: CI must install libreoffice-calc-nogui`);

describe('spreadsheets as staff have them', { timeout: FILE_TIMEOUT_MS, skip: hasOffice ? false : 'SKIPPED: LibreOffice is not installed' }, () => {
  let server;
  let browser;
  let dir;
  const files = {};
  const ids = runIDs();
  before(async () => {
    server = await startServer('spreadsheets');
    browser = await launchBrowser();
    dir = mkdtempSync(join(tmpdir(), 'sheets-'));
    const village = '310114102001';
    const register = (phoneCol) =>
      '南翔镇残疾人名册（2026年）,,,,,,\n,,,,,,\n姓名,身份证号,残疾类别,残疾等级,所属村居,联系电话,发证日期\n' +
      ids.map((id, i) => `表格${'甲乙丙'[i]},${id},4,2,${village},${phoneCol(i)},2025年5月${i + 1}日\n`).join('');
    // As a double-clicked CSV is opened: digit strings become numbers.
    files.numbers = toXLS(dir, 'register-numbers', register((i) => `1391234567${i}`), 'CSV:44,34,76,1');
    // As the clerk should: the ID and phone columns as text.
    files.text = toXLS(dir, 'register-text', register((i) => `1391234567${i}`), 'CSV:44,34,76,1,1/1/2/2/3/1/4/1/5/2/6/2/7/2');
  }, { timeout: FILE_TIMEOUT_MS });
  after(async () => {
    await browser?.close();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const env = () => ({ browser, base: server.base });
  const session = accountSession(env, 'demo_town', { viewport: PHONE });
  after(() => session.close());

  const waitDone = async (page) => {
    for (let i = 0; i < 40 && (await page.locator('progress').count()); i++) {
      await page.waitForTimeout(500);
      await page.reload();
    }
    assert.equal(await page.locator('progress').count(), 0, `the import did not finish: ${await whereAmI(page)}`);
  };
  const facts = (page) =>
    page.locator('main dl.facts').first().evaluate((dl) => {
      const out = {};
      for (const dt of dl.querySelectorAll('dt')) out[dt.textContent.trim()] = dt.nextElementSibling?.textContent.trim() ?? '';
      return out;
    });
  const refusals = (page) =>
    page
      .locator('#rej-caption')
      .locator('xpath=ancestor::table')
      .locator('tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent.trim())));
  /** Tab to the form's submit button and press Enter. */
  const submitByKeyboard = async (page) => {
    await tabUntil(page, (f) => f.tag === 'BUTTON' && f.inMain && f.type === 'submit', { what: 'the upload button', max: 10 });
    await navigating(page, () => page.keyboard.press('Enter'));
  };

  test('town staff (390 px, English, keyboard): a missing sheet is sent back kept; the .xls register imports below its title, refusing the IDs stored as numbers', { timeout: STEP_TIMEOUT_MS }, async () => {
    const { page, watch } = await session.get();
    watch.reset();
    // English, chosen in the header's menu as a user does (the form's answers follow it).
    await page.goto(`${server.base}/imports`);
    await setPreference(page, 'lang', 'en');
    await checkPage(page, 'sheets-form-en');
    const file = page.locator('main input[type="file"][name="file"]');
    // The mode, by keyboard: import only the correct rows.
    await focusTop(page);
    await tabUntil(page, (f) => f.id === 'f-mode', { what: 'the mode' });
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.locator('#f-mode').inputValue(), 'skip-invalid', 'ArrowDown on the mode should choose "the correct rows only"');
    // The file (a keyboard user opens the file chooser with Space; the test sets it).
    await file.setInputFiles({ name: 'register-numbers.xls', mimeType: 'application/vnd.ms-excel', buffer: files.numbers });
    await tabUntil(page, (f) => f.id === 'f-sheet', { what: 'the sheet name', max: 5 });
    await page.keyboard.type('Sheet9');
    await submitByKeyboard(page);
    assert.ok(await page.locator('#error-summary').count(), `a missing sheet should send the form back: ${await whereAmI(page)}`);
    const err = (await page.locator('#error-summary').innerText()).replace(/\s+/g, ' ');
    assert.match(err, /The workbook has no sheet named "Sheet9"\. Sheets that can be imported: register-numbers/, err);
    assert.equal(await page.locator('#error-summary a').getAttribute('href'), '#f-sheet', 'the error links to the sheet field');
    assert.equal(await page.locator('#f-sheet').inputValue(), 'Sheet9', 'the typed sheet name is kept');
    assert.equal(await page.locator('#f-mode').inputValue(), 'skip-invalid', 'the chosen mode is kept');
    assert.equal((await focused(page)).id, 'error-summary', 'the focus moves to the error summary');
    assert.match(await page.locator('#h-file').innerText(), /Choose the file again/, 'the page says the file must be chosen again');
    await checkPage(page, 'sheets-missing-en');
    // Follow the link to the field, clear it, choose the file again, send.
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.locator('#f-sheet').focus();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await file.setInputFiles({ name: 'register-numbers.xls', mimeType: 'application/vnd.ms-excel', buffer: files.numbers });
    await page.locator('#f-sheet').focus();
    await submitByKeyboard(page);
    await waitDone(page);
    const f = await facts(page);
    assert.equal(f['Rows'], '3', `rows: ${JSON.stringify(f)} on ${await whereAmI(page)}`);
    assert.equal(f['Rows with errors'], '2', `the two IDs of digits only are refused: ${JSON.stringify(f)}`);
    assert.equal(f['Created'], '1', `the ID ending in X stays text and is imported: ${JSON.stringify(f)}`);
    const notes = (await page.locator('main .notice').allInnerTexts()).join('\n');
    assert.match(notes, /The header is row 3; row 1 above it \(a title or notes\) is not data/, notes);
    const rows = await refusals(page);
    assert.deepEqual(rows.map((r) => r[0]), ['4', '5'], `refused rows as the spreadsheet numbers them: ${JSON.stringify(rows)}`);
    for (const r of rows) {
      assert.equal(r[1], '身份证号');
      assert.match(r[2], /stored the ID number as a number and its last digits are lost: set the column's format to Text/, r[2]);
      assert.doesNotMatch(r[2], /should be|应为/, 'no check digit may be suggested');
    }
    await checkPage(page, 'sheets-refused-en');
    // The form sent back answers 422, which the browser logs; nothing else.
    assert.deepEqual(watch.problems().filter((p) => !/status of 422 .*\/imports:/.test(p)), []);
  });

  test('town staff (390 px, Chinese): the register with text columns imports every person', { timeout: STEP_TIMEOUT_MS }, async () => {
    const { page } = await session.get();
    await page.goto(`${server.base}/imports`);
    await setPreference(page, 'lang', 'zh');
    await page.locator('#f-mode').selectOption('strict');
    await page.locator('main input[type="file"][name="file"]').setInputFiles({ name: '名册.xls', mimeType: 'application/vnd.ms-excel', buffer: files.text });
    await navigating(page, () => page.locator('main form:has(input[type="file"]) button[type="submit"]').click());
    await waitDone(page);
    const f = await facts(page);
    assert.equal(f['有错误的行'], '0', `no row refused: ${JSON.stringify(f)} on ${await whereAmI(page)}`);
    assert.equal(Number(f['新建']) + Number(f['无变化']), 3, `three persons: ${JSON.stringify(f)}`);
    assert.match((await page.locator('main .notice').allInnerTexts()).join('\n'), /表头在第 3 行/);
    await checkPage(page, 'sheets-imported-zh');
    // The person is there, with the typed date read.
    await page.goto(withQuery(`${server.base}/persons`, { q: '表格甲', lang: 'zh' }));
    const href = await page.locator('main a[href^="/persons/"]').filter({ hasText: '表格甲' }).first().getAttribute('href');
    assert.ok(href, 'the imported person is found by name');
    await page.goto(`${server.base}${href}`);
    assert.match(await page.locator('main').innerText(), /2025-05-01|2025年5月1日/, 'the issue date typed 2025年5月1日 is shown');
  });
});
