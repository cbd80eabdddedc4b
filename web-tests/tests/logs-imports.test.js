// Issue 14: the access log, the import template and device transfers, as the
// people who use them:
// - the village assistant (390 px, keyboard, Chinese) finds a person by name
//   twice, opens the record and reveals the numbers with a reason; the
//   record's access log counts the list views in one line per viewer per
//   day and lists the open and the reveal (with its reason) one by one;
//   the person sees the same on /me, in English and Chinese;
// - town staff download the Excel template: it carries a sheet of their
//   villages and one of the code lists with Chinese labels, and its
//   dropdowns offer 本地户籍, 低保… (the XLSX is unzipped and read here);
// - town staff import a file that names villages by name and uses Chinese
//   labels: the persons are created in those villages; an unknown village
//   name is refused naming the row, the column and the name, in both languages;
// - town staff (390 px, English) transfer an approval to the district centre
//   saying why, and close a returned loan giving the reason: both show on
//   the case, in English and Chinese.
// Axe on every page; screenshots in ../artifacts/screenshots/logs-*.png.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { inflateRawSync } from 'node:zlib';
import { startServer } from '../lib/server.js';
import { launchBrowser, navigating, withQuery, whereAmI, setPreference, checkPage } from '../lib/browser.js';
import { accountSession } from '../lib/session.js';
import { focusTop, tabUntil } from '../lib/keyboard.js';

const FILE_TIMEOUT_MS = 8 * 60_000;
const STEP_TIMEOUT_MS = 120_000;
const PHONE = { width: 390, height: 844 };

// ---- a small XLSX reader: a zip of XML parts ----

/** The files of a zip archive, by name. */
function unzip(buf) {
  let eocd = -1;
  for (let i = buf.length - 22; i >= 0; i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  assert.ok(eocd >= 0, 'the template is not a zip file (no end of central directory)');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const files = {};
  for (let n = 0; n < count; n++) {
    assert.equal(buf.readUInt32LE(p), 0x02014b50, 'broken zip central directory');
    const method = buf.readUInt16LE(p + 10);
    const size = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(start, start + size);
    files[name] = (method === 8 ? inflateRawSync(raw) : raw).toString('utf8');
    p += 46 + nameLen + extraLen + commentLen;
  }
  return files;
}

const unescapeXML = (s) =>
  s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

/** The workbook: sheet names in order, each sheet's rows (arrays of cell text), and each sheet's raw XML. */
function readWorkbook(buf) {
  const files = unzip(buf);
  const shared = [...(files['xl/sharedStrings.xml'] ?? '').matchAll(/<si>([\s\S]*?)<\/si>/g)].map((m) =>
    unescapeXML([...m[1].matchAll(/<t[^>]*>([^<]*)<\/t>/g)].map((t) => t[1]).join('')),
  );
  const rels = Object.fromEntries(
    [...files['xl/_rels/workbook.xml.rels'].matchAll(/<Relationship [^>]*?Id="([^"]+)"[^>]*?Target="([^"]+)"/g)].map((m) => [m[1], m[2]]),
  );
  const sheets = [];
  for (const m of files['xl/workbook.xml'].matchAll(/<sheet [^>]*?name="([^"]+)"[^>]*?r:id="([^"]+)"/g)) {
    const target = rels[m[2]].replace(/^\/?(xl\/)?/, 'xl/');
    const xml = files[target];
    const rows = [];
    for (const r of xml.matchAll(/<row [^>]*?r="(\d+)"[^>]*>([\s\S]*?)<\/row>/g)) {
      const cells = [];
      for (const c of r[2].matchAll(/<c ([^>]*?)(?:\/>|>([\s\S]*?)<\/c>)/g)) {
        const ref = /r="([A-Z]+)\d+"/.exec(c[1])[1];
        const col = [...ref].reduce((n, ch) => n * 26 + ch.charCodeAt(0) - 64, 0) - 1;
        const type = /t="(\w+)"/.exec(c[1])?.[1];
        const v = /<v>([^<]*)<\/v>/.exec(c[2] ?? '')?.[1] ?? /<t[^>]*>([^<]*)<\/t>/.exec(c[2] ?? '')?.[1] ?? '';
        cells[col] = type === 's' ? shared[Number(v)] : unescapeXML(v);
      }
      rows[Number(r[1]) - 1] = Array.from(cells, (x) => x ?? '');
    }
    sheets.push({ name: unescapeXML(m[1]), rows, xml });
  }
  return sheets;
}

// ---- resident ID numbers for the import (GB 11643, check digit) ----
function idNumber(first17) {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((s, d, i) => s + Number(d) * w[i], 0);
  return first17 + '10X98765432'[sum % 11];
}

describe('access log, import template, device transfers', { timeout: FILE_TIMEOUT_MS }, () => {
  let server;
  let browser;
  before(async () => {
    server = await startServer('logs-imports');
    browser = await launchBrowser();
  }, { timeout: FILE_TIMEOUT_MS });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });
  const env = () => ({ browser, base: server.base });
  const sessions = {};
  const session = (username, viewport = PHONE) => (sessions[username] ??= accountSession(env, username, { viewport }));
  after(() => Promise.all(Object.values(sessions).map((s) => s.close())));

  /** Open a page as an account, check its status, axe, and that it fits at 390 px; screenshot it. */
  const open = async (username, path, lang, label, want = 200) => {
    const { page, watch } = await session(username).get();
    watch.reset();
    const resp = await page.goto(withQuery(`${server.base}${path}`, { lang }));
    assert.equal(resp?.status(), want, `${username} ${path} (${lang}): HTTP ${resp?.status()} on ${await whereAmI(page)}`);
    await checkPage(page, `logs-${label}-${lang}`);
    const problems = watch.problems();
    assert.deepEqual(problems, [], `${username} ${path} (${lang}): ${problems.join('; ')}`);
    return page;
  };
  /** The rows of the access log table as arrays of cell texts. */
  const logRows = (page) =>
    page
      .locator('#access-caption')
      .locator('xpath=ancestor::table')
      .locator('tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent.trim())));

  let personName = '';
  const reason = '入户走访核对电话';

  test('the village assistant (390 px, keyboard): list views are counted per viewer per day, the open and the reveal listed one by one', { timeout: STEP_TIMEOUT_MS }, async () => {
    // The person's own name, from their page.
    const me = await open('demo_person', '/me', 'zh', 'me-before');
    personName = (await me.locator('dl.facts dd').first().innerText()).trim();
    assert.ok(personName.length > 1, `/me names no one: "${personName}"`);

    // The village assistant finds them by name twice (two list views).
    let page;
    for (let i = 0; i < 2; i++) page = await open('demo_village', `/persons?q=${encodeURIComponent(personName)}`, 'zh', 'village-search');
    // Open the record with the keyboard.
    await focusTop(page);
    const link = await tabUntil(page, (f) => f.inMain && /^\/persons\/\d+$/.test(f.href ?? ''), { what: 'the link to the person' });
    await navigating(page, () => page.keyboard.press('Enter'));
    assert.equal(new URL(page.url()).pathname, link.href, `Enter on the person's link went to ${await whereAmI(page)}`);
    assert.equal((await page.locator('h1').innerText()).trim(), personName);
    // Reveal the numbers with a reason, by keyboard: open the details, type, Enter.
    await focusTop(page);
    await tabUntil(page, (f) => f.tag === 'SUMMARY' && f.inMain, { what: 'the reveal summary' });
    await page.keyboard.press('Enter');
    await tabUntil(page, (f) => f.id === 'f-reason', { what: 'the reveal reason', max: 5 });
    await page.keyboard.type(reason);
    await navigating(page, () => page.keyboard.press('Enter'));
    assert.ok(await page.locator('.notice[role="status"]').count(), `the reveal did not show the numbers: ${await whereAmI(page)}`);
    // The access log, by keyboard.
    await focusTop(page);
    await tabUntil(page, (f) => f.inMain && /\/access-log$/.test(f.href ?? ''), { what: 'the access log link' });
    await navigating(page, () => page.keyboard.press('Enter'));
    assert.match(new URL(page.url()).pathname, /^\/persons\/\d+\/access-log$/);
    await checkPage(page, 'logs-access-village-zh');
    const rows = await logRows(page);
    const mine = (r) => r[1].includes('村居助残员演示账户');
    const groups = rows.filter((r) => mine(r) && /^在列表中看到了档案 \d+ 次$/.test(r[2]));
    assert.equal(groups.length, 1, `one line should count the village assistant's list views today:\n${rows.map((r) => r.join(' | ')).join('\n')}`);
    assert.match(groups[0][0], /^\d{4}-\d{2}-\d{2}$/, `the group's first cell should be the day: "${groups[0][0]}"`);
    assert.ok(Number(/(\d+) 次/.exec(groups[0][2])[1]) >= 2, `two searches should count at least 2: "${groups[0][2]}"`);
    assert.ok(groups[0][1].includes('村居助残员'), `the viewer is named with the role: "${groups[0][1]}"`);
    assert.ok(rows.some((r) => mine(r) && r[2] === '查看了档案' && /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/.test(r[0])), 'the open of the record should be its own line, with its time');
    assert.ok(rows.some((r) => mine(r) && r[2] === '查看了完整的身份证号和电话' && r[3] === reason), 'the reveal should be its own line, with its reason');
    assert.ok(!rows.some((r) => r[2] === '在列表中看到了档案'), 'no single "saw in a list" line should remain');
    // English.
    page = await open('demo_village', new URL(page.url()).pathname, 'en', 'access-village');
    const en = await logRows(page);
    assert.ok(en.some((r) => /^saw the record in a list \d+ times$/.test(r[2]) && r[1].includes('Village assistant')), `English groups: ${en.map((r) => r.join(' | ')).join('\n')}`);
  });

  test('the person sees the list views counted and the reveal with its reason (English, then Chinese)', { timeout: STEP_TIMEOUT_MS }, async () => {
    assert.ok(personName, 'needs the first test');
    let page = await open('demo_person', '/me', 'en', 'me');
    let rows = await logRows(page);
    const text = rows.map((r) => r.join(' | ')).join('\n');
    assert.ok(rows.some((r) => r[1].includes('Village assistant') && /^saw your record in a list (\d+ times|once)$/.test(r[2])), `/me (en) should count the list views:\n${text}`);
    assert.ok(rows.some((r) => r[2] === 'revealed the full ID number and phone' && r[3] === reason), `/me (en) should list the reveal with its reason:\n${text}`);
    page = await open('demo_person', '/me', 'zh', 'me');
    rows = await logRows(page);
    assert.ok(rows.some((r) => r[1].includes('村居助残员') && /^在列表中看到了您的档案 \d+ 次$/.test(r[2])), `/me (zh) should count the list views:\n${rows.map((r) => r.join(' | ')).join('\n')}`);
  });

  let villages = []; // [code, village, town] of the template's village sheet

  test('town staff download the Excel template: villages and code lists, dropdowns in Chinese', { timeout: STEP_TIMEOUT_MS }, async () => {
    const page = await open('demo_town', '/imports', 'zh', 'imports');
    const href = await page.locator('main a[href*="/imports/persons/template"]').getAttribute('href');
    assert.ok(href, '/imports has no link to the persons template');
    const resp = await page.request.get(new URL(href, server.base).href);
    assert.equal(resp.status(), 200, `the template answered HTTP ${resp.status()}`);
    const sheets = readWorkbook(await resp.body());
    const names = sheets.map((s) => s.name);
    assert.deepEqual(names.slice(0, 2), ['导入 import', '说明 help'], `sheets: ${names.join(', ')}`);
    const vs = sheets.find((s) => s.name === '村居 villages');
    const codes = sheets.find((s) => s.name === '代码 codes');
    assert.ok(vs && codes, `the template should carry the village and code sheets: ${names.join(', ')}`);
    assert.deepEqual(vs.rows[0].slice(0, 3), ['代码 code', '村居 village', '街镇 town']);
    villages = vs.rows.slice(1).map((r) => r.slice(0, 3));
    assert.ok(villages.length >= 2, `the village sheet lists ${villages.length} villages`);
    for (const [code, village, town] of villages) {
      assert.match(code, /^310114102\d{3}$/, `a village outside 南翔镇 on its staff's template: ${code} ${village}`);
      assert.equal(town, '南翔镇', `${code} ${village}: town "${town}"`);
      assert.ok(village.length > 1, `${code} has no name`);
    }
    const codeRows = codes.rows.slice(1).map((r) => r.join('|'));
    for (const want of ['户籍 hukou|local|本地户籍|local', '户籍 hukou|nonlocal|外地户籍|non-local', '经济状况 economic_status|dibao|低保|minimum living allowance (dibao)']) {
      assert.ok(codeRows.includes(want), `the code sheet lacks "${want}":\n${codeRows.join('\n')}`);
    }
    const data = sheets[0];
    const lists = [...data.xml.matchAll(/<formula1>([^<]*)<\/formula1>/g)].map((m) => unescapeXML(m[1])).join('\n');
    for (const want of ['本地户籍', '外地户籍', '低保', '低保边缘', '在册', '肢体残疾', villages[0][1]]) {
      assert.ok(lists.includes(want), `no dropdown offers ${want}:\n${lists}`);
    }
    assert.doesNotMatch(lists, /"local|dibao|near_dibao|moved_out/, `a dropdown offers codes:\n${lists}`);
    const header = data.rows[0];
    const example = data.rows[1];
    assert.equal(example[header.indexOf('户籍')], '本地户籍', 'the example row should use the label');
  });

  /** Upload a CSV through the form at /imports and wait for the result page. */
  const upload = async (page, name, csv) => {
    await page.goto(`${server.base}/imports`);
    const form = page.locator('form:has(input[type="file"][name="file"])').first();
    await form.locator('select[name="kind"]').selectOption('persons');
    await form.locator('input[type="file"][name="file"]').setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') });
    await navigating(page, () => form.locator('button[type="submit"]').click());
    for (let i = 0; i < 30 && (await page.locator('progress').count()); i++) {
      await page.waitForTimeout(500);
      await page.reload();
    }
    assert.equal(await page.locator('progress').count(), 0, `the import did not finish: ${await whereAmI(page)}`);
  };
  const facts = async (page) =>
    page.locator('main dl.facts').first().evaluate((dl) => {
      const out = {};
      for (const dt of dl.querySelectorAll('dt')) out[dt.textContent.trim()] = dt.nextElementSibling?.textContent.trim() ?? '';
      return out;
    });

  test('town staff import a file with village names and Chinese labels; an unknown village is refused by row and column', { timeout: STEP_TIMEOUT_MS }, async () => {
    assert.ok(villages.length >= 2, 'needs the template test');
    const { page } = await session('demo_town').get();
    const seq = String(Date.now() % 900 + 100);
    const a = idNumber(`31011419900101${seq}`);
    const b = idNumber(`31011419900102${seq}`);
    const [, v1] = villages[0];
    const [, v2, town] = villages[1];
    const csv =
      '姓名,身份证号,残疾类别,残疾等级,所属村居,户籍,经济状况,状态\n' +
      `导入甲,${a},肢体残疾,二级,${v1},本地户籍,低保,在册\n` +
      `导入乙,${b},听力残疾,三级,${town}/${v2},外地户籍,低保边缘,在册\n`;
    await upload(page, 'names-labels.csv', csv);
    let f = await facts(page);
    assert.equal(f['新建'], '2', `the import should create 2 persons: ${JSON.stringify(f)} on ${await whereAmI(page)}`);
    assert.equal(f['有错误的行'], '0', `no row should be refused: ${JSON.stringify(f)}`);
    await checkPage(page, 'logs-import-done-zh');
    // The persons live in the villages named, with the labels read as codes.
    for (const [name, village, hukou, economic] of [['导入甲', v1, '本地户籍', '低保'], ['导入乙', v2, '外地户籍', '低保边缘']]) {
      await page.goto(withQuery(`${server.base}/persons`, { q: name, lang: 'zh' }));
      const href = await page.locator('main a[href^="/persons/"]').filter({ hasText: name }).first().getAttribute('href');
      await page.goto(`${server.base}${href}`);
      f = await facts(page);
      assert.ok(f['所属村居'].startsWith(village), `${name}: village "${f['所属村居']}", want ${village}`);
      assert.equal(f['户籍'], hukou, `${name}: hukou`);
      assert.equal(f['经济状况'], economic, `${name}: economic status`);
    }
    // An unknown village name: refused, naming row, column and the name.
    const c = idNumber(`31011419900103${seq}`);
    await upload(page, 'unknown-village.csv', `姓名,身份证号,残疾类别,残疾等级,所属村居\n导入丙,${c},4,2,没有这个村\n`);
    const rej = () =>
      page.locator('#rej-caption').locator('xpath=ancestor::table').locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent.trim())));
    let rows = await rej();
    assert.equal(rows.length, 1, `one refusal: ${JSON.stringify(rows)}`);
    assert.equal(rows[0][0], '2');
    assert.equal(rows[0][1], '所属村居');
    assert.match(rows[0][2], /没有名为“没有这个村”的村居/);
    await checkPage(page, 'logs-import-refused-zh');
    await page.goto(withQuery(page.url(), { lang: 'en' }));
    rows = await rej();
    assert.match(rows[0][2], /No village in your area is named "没有这个村"/);
    await checkPage(page, 'logs-import-refused-en');
  });

  test('town staff (390 px, English) transfer an approval saying why, and close a returned loan giving the reason', { timeout: STEP_TIMEOUT_MS }, async () => {
    const { page } = await session('demo_town').get();
    await page.goto(`${server.base}/`);
    await setPreference(page, 'lang', 'en');
    const findCase = async (action) => {
      await page.goto(withQuery(`${server.base}/cases?show=open`, { lang: 'en' }));
      const links = await page.locator('main a[href^="/cases/"]').evaluateAll((as) => [...new Set(as.map((a) => a.getAttribute('href')))]);
      for (const href of links) {
        if (!/^\/cases\/\d+$/.test(href)) continue;
        await page.goto(withQuery(`${server.base}${href}`, { lang: 'en' }));
        if (await page.locator(`input[name="action"][value="${action}"]`).count()) return href;
      }
      assert.fail(`no open case offers "${action}"`);
    };
    const form = (action) => page.locator(`main form:has(input[name="action"][value="${action}"])`);

    // Transfer: refused without a reason, then done with one.
    const transferred = await findCase('transfer');
    await checkPage(page, 'logs-transfer-form-en');
    const to = form('transfer').locator('select[name="to_point"]');
    const toName = (await to.locator('option').first().innerText()).trim();
    assert.match(toName, /^Jiading District/, `the point offered first: "${toName}"`);
    let resp = await navigating(page, () => form('transfer').locator('button[type="submit"]').click());
    assert.equal(resp?.status(), 422, `a transfer without a reason answered ${resp?.status()}`);
    assert.ok((await page.locator('#error-summary').innerText()).includes('Reason for the transfer'), 'the error should name the reason field');
    await form('transfer').locator('textarea[name="reason"]').fill('No stock at the town point');
    resp = await navigating(page, () => form('transfer').locator('button[type="submit"]').click());
    assert.equal(resp?.status(), 200, `the transfer ended on HTTP ${resp?.status()}`);
    const table = page.locator('#transfers-caption').locator('xpath=ancestor::table');
    assert.equal(await table.count(), 1, 'the case should list its transfers');
    const cells = await table.locator('tbody tr').first().locator('td').allInnerTexts();
    assert.match(cells[1], /^Nanxiang Town .* → /, `from: ${cells.join(' | ')}`);
    assert.ok(cells[1].endsWith(`→ ${toName}`), `to: ${cells.join(' | ')}`);
    assert.match(cells[0], /^\d{4}-\d{2}-\d{2} \d{2}:\d{2} · .*Town staff/, `when and by whom: ${cells[0]}`);
    assert.equal(cells[2], 'No stock at the town point');
    const first = (await page.locator('#f-service_point option').first().innerText()).trim();
    assert.match(first, /^Jiading District/, `the dispense form should offer the point transferred to first: "${first}"`);
    await checkPage(page, 'logs-transferred-en');
    await page.goto(withQuery(`${server.base}${transferred}`, { lang: 'zh' }));
    assert.ok((await page.locator('main').innerText()).includes('服务点转移记录'), 'the Chinese page should list the transfer');
    await checkPage(page, 'logs-transferred-zh');

    // Close a loan: return it, then close; the close asks why.
    await findCase('return');
    await form('return').locator('input[name="condition"][value="good"]').check();
    resp = await navigating(page, () => form('return').locator('button[type="submit"]').click());
    assert.equal(resp?.status(), 200, `the return ended on HTTP ${resp?.status()}`);
    resp = await navigating(page, () => form('close').locator('button[type="submit"]').click());
    assert.equal(resp?.status(), 422, `a close without a reason answered ${resp?.status()}`);
    assert.ok((await page.locator('#error-summary').innerText()).includes('Reason for closing'), 'the error should name the close reason');
    await checkPage(page, 'logs-close-refused-en');
    await form('close').locator('textarea[name="close_reason"]').fill('Returned; no longer needed');
    resp = await navigating(page, () => form('close').locator('button[type="submit"]').click());
    assert.equal(resp?.status(), 200, `the close ended on HTTP ${resp?.status()}`);
    let f = await facts(page);
    assert.equal(f['Reason for closing'], 'Returned; no longer needed', `the case should show the close reason: ${JSON.stringify(f)}`);
    await checkPage(page, 'logs-closed-en');
    await page.goto(withQuery(page.url(), { lang: 'zh' }));
    f = await facts(page);
    assert.equal(f['结案原因'], 'Returned; no longer needed', `the Chinese page should show the close reason: ${JSON.stringify(f)}`);
    await checkPage(page, 'logs-closed-zh');
    await setPreference(page, 'lang', 'zh');
  });
});
