// Checks of the harness itself, independent of the pages: the ID check
// character, the page table, the server, Chromium, axe-core (it must find
// real violations and pass a clean page), the request and console watch, and
// screenshots.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat, unlink } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { startServer } from '../lib/server.js';
import { ARTIFACTS_DIR } from '../lib/paths.js';
import { launchBrowser, newSession, axeCheck, axeViolations, shot, withQuery } from '../lib/browser.js';
import { ACCOUNTS, slug } from '../lib/pages.js';
import { idCheckChar, isValidIdNumber, makeIdNumber, personsCsv, FIXTURE_PEOPLE, PERSONS_FIXTURE, DEFAULT_VILLAGE } from '../lib/fixtures.js';

describe('harness: pure helpers', () => {
  test('ID check character (ISO 7064 MOD 11-2)', () => {
    assert.equal(idCheckChar('11010519491231002'), 'X'); // the example of GB 11643-1999
    assert.ok(isValidIdNumber('11010519491231002X'));
    assert.ok(!isValidIdNumber('110105194912310021'));
    assert.equal(makeIdNumber('310114', '19850312', 991).length, 18);
    for (const p of FIXTURE_PEOPLE) assert.ok(isValidIdNumber(p.idNumber), p.idNumber);
  });

  test('the committed person fixture is the generated one', async () => {
    assert.equal(await readFile(PERSONS_FIXTURE, 'utf8'), personsCsv(DEFAULT_VILLAGE),
      'fixtures/persons-small.csv differs from lib/fixtures.js: run `node lib/fixtures.js`');
    const [header, ...rows] = personsCsv('310114102001').trim().split('\n');
    assert.equal(header, '姓名,身份证号,残疾类别,残疾等级,所属村居');
    assert.equal(rows.length, 3);
  });

  test('a Chinese font is installed (else the Chinese screenshots show empty boxes)', async (t) => {
    let out;
    try {
      ({ stdout: out } = await promisify(execFile)('fc-list', [':lang=zh', 'family']));
    } catch {
      t.skip('fc-list (fontconfig) is not available to check');
      return;
    }
    assert.ok(out.trim(), 'no font covers Chinese: install one, e.g. `apt-get install -y fonts-wqy-microhei` (or fonts-noto-cjk)');
  });

  test('page table: slugs are unique per account and file-name safe', () => {
    for (const a of ACCOUNTS) {
      const slugs = a.pages.map(slug);
      assert.equal(new Set(slugs).size, slugs.length, `duplicate slug for ${a.username}`);
      for (const s of slugs) assert.match(s, /^[A-Za-z0-9_-]+$/);
    }
    assert.equal(slug('/persons/{id}/annual/{year}'), 'persons-id-annual-year');
    assert.equal(withQuery('http://h/x?a=1', { lang: 'en' }), 'http://h/x?a=1&lang=en');
  });
});

describe('harness: server, Chromium and axe-core', { timeout: 5 * 60_000 }, () => {
  let server;
  let browser;
  before(async () => {
    server = await startServer('harness');
    browser = await launchBrowser();
  }, { timeout: 5 * 60_000 });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('the server answers /healthz', async () => {
    const resp = await fetch(`${server.base}/healthz`);
    assert.equal(resp.status, 200);
  });

  test('axe runs in Chromium and reports violations clearly (on the plain-text /healthz)', async () => {
    const { context, page } = await newSession(browser, server.base);
    try {
      const resp = await page.goto(`${server.base}/healthz`);
      assert.equal(resp?.status(), 200);
      // A text/plain answer has no <html lang> and no <title>: axe must say so.
      const ids = (await axeViolations(page)).map((v) => v.id);
      assert.ok(ids.includes('html-has-lang') && ids.includes('document-title'), `axe found: ${ids.join(', ')}`);
      await assert.rejects(axeCheck(page, 'harness-healthz'), (err) => {
        assert.match(err.message, /^harness-healthz: \d+ axe violation\(s\) on http/);
        assert.match(err.message, /- html-has-lang \[serious\] <html> element must have a lang attribute: html/);
        return true;
      });
      await unlink(path.join(ARTIFACTS_DIR, 'axe', 'harness-healthz.json')); // written for failing pages
    } finally {
      await context.close();
    }
  });

  test('axe passes a clean page; screenshots are written', async () => {
    const { context, page } = await newSession(browser, server.base);
    try {
      await page.setContent(`<!doctype html><html lang="en"><head><title>Clean</title></head>
        <body><a href="#main">Skip to content</a><header><p>Sunshine</p></header>
        <main id="main"><h1>Clean page</h1><p>Nothing wrong here.</p></main></body></html>`);
      await axeCheck(page, 'harness-clean');
      const file = await shot(page, 'harness-check');
      assert.ok((await stat(file)).size > 100);
      await unlink(file);
    } finally {
      await context.close();
    }
  });

  test('the watch records requests to other hosts and console errors', async () => {
    const { context, page, watch } = await newSession(browser, server.base);
    try {
      await page.setContent('<!doctype html><html lang="en"><title>x</title><img alt="" src="http://example.invalid/x.png"><p>x</p>');
      await page.evaluate(() => console.error('harness: deliberate error'));
      const problems = watch.problems().join('\n');
      assert.match(problems, /request to another host: GET http:\/\/example\.invalid\/x\.png/);
      assert.match(problems, /console error: harness: deliberate error/);
      assert.throws(() => watch.assertClean('harness'), /harness:\n  - request to another host/);
      watch.reset();
      await page.goto(`${server.base}/healthz`);
      assert.deepEqual(watch.problems(), []);
    } finally {
      await context.close();
    }
  });
});
