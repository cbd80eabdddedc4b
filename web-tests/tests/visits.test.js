// Issue 21: home visits without a signal, as the village assistant
// (`demo_village`, 春星居委会) on a phone (390 px), in English:
// - district staff (`demo`) register three persons in the village through
//   the API: none has this year's annual record;
// - the assistant prepares visits ("everyone without this year's record"):
//   the phone keeps three visit sheets, encrypted — the raw store holds no
//   name, the decrypted sheets no full ID number;
// - offline (Chromium's offline emulation): the visits page still opens
//   (the service worker), another page says plainly that it needs the
//   network; three forms are filled, the second first with errors shown by
//   the phone's own checks (the server's rules), fixed, then kept; the
//   banner says three are waiting;
// - meanwhile district staff fill in the third person's record on the
//   server;
// - online again: two are saved at once, the third is a conflict shown side
//   by side, resolved with the keyboard; the registry then holds the three
//   records with the answers chosen;
// - the phone's amount rules agree with the server's check on a list of
//   typed amounts;
// - signing out leaves nothing readable: the database and its key are gone,
//   and the encrypted state copied before cannot be decrypted after signing
//   in again.
// Axe on the list, the form with its errors and the conflict view; no
// sideways scroll at 390 px; screenshots ../artifacts/screenshots/visits-*.png.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { launchBrowser, withQuery, checkPage, navigating, openMenuOf, login, setPreference } from '../lib/browser.js';
import { accountSession } from '../lib/session.js';
import { makeIdNumber, DEFAULT_VILLAGE } from '../lib/fixtures.js';

const FILE_TIMEOUT_MS = 6 * 60_000;
const STEP_TIMEOUT_MS = 120_000;
const PHONE = { width: 390, height: 844 };
const PEOPLE = [
  { name: '访甲明', birth: '19800101', seq: 971 },
  { name: '访乙芳', birth: '19750202', seq: 972 },
  { name: '访丙强', birth: '19900303', seq: 973 },
];

describe('visits: home visits without a signal', { timeout: FILE_TIMEOUT_MS }, () => {
  let server;
  let browser;
  before(async () => {
    server = await startServer('visits');
    browser = await launchBrowser();
  }, { timeout: FILE_TIMEOUT_MS });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });
  const env = () => ({ browser, base: server.base });
  const district = accountSession(env, 'demo');
  const phone = accountSession(env, 'demo_village', { viewport: PHONE, serviceWorkers: 'allow' });
  after(() => district.close());
  after(() => phone.close());
  const url = (path) => withQuery(`${server.base}${path}`, { lang: 'en' });
  const year = new Date().getFullYear();
  const ids = {};

  async function api(page, method, path, data, ...status) {
    const resp = await page.request.fetch(`${server.base}${path}`, { method, data, headers: { 'Accept-Language': 'en' } });
    const body = await resp.text();
    assert.ok(status.includes(resp.status()), `${method} ${path}: ${resp.status()} ${body}`);
    return body ? JSON.parse(body) : null;
  }
  const status = (page) => page.locator('#v-status').innerText();
  // The raw record of the phone's store, and whether the key is there.
  const rawStore = (page) => page.evaluate(() => new Promise((resolve) => {
    const req = indexedDB.open('sunshine-visits', 1);
    req.onupgradeneeded = () => req.result.createObjectStore('kv');
    req.onsuccess = () => {
      const db = req.result;
      const tx = db.transaction('kv', 'readonly');
      const st = tx.objectStore('kv');
      const out = {};
      const g1 = st.get('state'), g2 = st.get('key');
      tx.oncomplete = () => {
        const s = g1.result;
        out.state = s ? { iv: Array.from(s.iv), data: Array.from(new Uint8Array(s.data)) } : null;
        out.hasKey = !!g2.result;
        out.extractable = g2.result ? g2.result.extractable : null;
        db.close();
        resolve(out);
      };
    };
  }));

  test('district staff register three persons without a record this year', { timeout: STEP_TIMEOUT_MS }, async () => {
    const { page } = await district.get();
    for (const p of PEOPLE) {
      const out = await api(page, 'POST', '/api/v1/persons', {
        name: p.name, id_number: makeIdNumber('310114', p.birth, p.seq), category: 4, grade: 2, orgunit: DEFAULT_VILLAGE,
      }, 201);
      ids[p.name] = out.id;
    }
  });

  test('the assistant prepares the visits: three sheets kept encrypted', { timeout: STEP_TIMEOUT_MS }, async () => {
    const { page } = await phone.get();
    await page.goto(url('/'));
    await setPreference(page, 'lang', 'en'); // every page in English, the phone's kept ones too
    // The installable app: a manifest and the service worker, which takes
    // charge of the page.
    const manifest = await page.locator('link[rel="manifest"]').getAttribute('href');
    const m = await api(page, 'GET', manifest, undefined, 200);
    assert.ok(m.name && m.icons.length >= 2, JSON.stringify(m));
    await page.waitForFunction(() => navigator.serviceWorker && navigator.serviceWorker.controller, null, { timeout: 20_000 })
      .catch(async () => { await page.reload(); await page.waitForFunction(() => navigator.serviceWorker.controller, null, { timeout: 20_000 }); });
    await navigating(page, () => page.getByRole('link', { name: 'Home visits' }).first().click());
    await page.locator('#v-kept').waitFor();
    await checkPage(page, 'visits-empty');
    await page.keyboard.press('Tab'); // the keyboard from here
    await page.locator('#v-load').focus();
    await page.keyboard.press('Enter');
    await page.locator('#v-missing').waitFor({ state: 'visible' });
    await page.keyboard.press('Enter'); // the focus is on "choose everyone without a record"
    const chosen = await page.locator('#v-candidates input:checked').evaluateAll((xs) => xs.map((x) => Number(x.value)));
    assert.deepEqual(chosen.sort(), Object.values(ids).sort(), 'everyone without this year\'s record: the three new persons');
    await page.locator('#v-pick button[type="submit"]').focus();
    await page.keyboard.press('Enter');
    await page.locator('#v-items li').nth(2).waitFor();
    assert.match(await status(page), /3 visit sheets are kept on this phone/);
    assert.match(await page.locator('#v-kept').innerText(), /keeps 3 visit sheets until \d{4}-\d\d-\d\d/);
    await checkPage(page, 'visits-prepared');

    const raw = await rawStore(page);
    assert.ok(raw.hasKey && raw.extractable === false, 'a key that cannot be taken out of the browser');
    const bytes = Buffer.from(raw.state.data).toString('latin1') + Buffer.from(raw.state.data).toString('utf8');
    for (const p of PEOPLE) assert.ok(!bytes.includes(p.name), `the stored sheets are encrypted (${p.name} readable)`);
    // Decrypted, the sheets hold no full ID number.
    const plain = await page.evaluate(async () => {
      const db = await new Promise((res) => { const r = indexedDB.open('sunshine-visits', 1); r.onsuccess = () => res(r.result); });
      const get = (k) => new Promise((res) => { const r = db.transaction('kv').objectStore('kv').get(k); r.onsuccess = () => res(r.result); });
      const key = await get('key'), st = await get('state'), user = document.getElementById('visits').dataset.user;
      const p = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: st.iv, additionalData: new TextEncoder().encode('sunshine-visits|' + user) }, key, st.data);
      db.close();
      return new TextDecoder().decode(p);
    });
    for (const p of PEOPLE) {
      assert.ok(plain.includes(p.name), 'the sheets are the three persons');
      assert.ok(!plain.includes(makeIdNumber('310114', p.birth, p.seq)), 'no full ID number in a visit sheet');
    }
    assert.doesNotMatch(plain, /\d{17}[\dX]/, 'no 18-character ID number at all');
    phone.prepared = raw.state;
  });

  test('offline: three forms filled on the phone, one fixed after its errors', { timeout: STEP_TIMEOUT_MS }, async () => {
    const { page, context } = await phone.get();
    await context.setOffline(true);
    // Another page says plainly that it needs the network.
    await page.goto(url('/persons'));
    assert.match(await page.locator('main').innerText(), /needs it/);
    assert.match(await page.locator('main').innerText(), /需要网络|没有网络/);
    await checkPage(page, 'visits-offline-page');
    // The visits page opens from the phone.
    await page.goto(url('/visits'));
    await page.locator('#v-items li').nth(2).waitFor();
    assert.match(await status(page), /No network/);

    const open = async (name) => {
      await page.locator('#v-items li', { hasText: name }).locator('button').focus();
      await page.keyboard.press('Enter');
      await page.locator('#v-form-section').waitFor({ state: 'visible' });
      assert.equal(await page.evaluate(() => document.activeElement.id), 'v-form-h', 'the focus goes to the form\'s heading');
    };
    const answer = async (field, value) => {
      await page.locator(`#v-${field}-${value}`).focus();
      await page.keyboard.press('Space');
    };
    const keep = async () => {
      await page.locator('#v-form button[type="submit"]').focus();
      await page.keyboard.press('Enter');
    };

    // 1: employed, 3.6万, needs a device.
    await open(PEOPLE[0].name);
    assert.equal(await page.locator('#v-economic_status').inputValue(), 'normal', 'a new record starts from the person\'s economic status');
    await page.locator('#v-employment').selectOption('employed');
    await page.locator('#v-household_income_per_capita').fill('3.6万');
    await answer('device_need', '1');
    await answer('medical_insured', '1');
    await keep();
    await page.locator('#v-list-h').waitFor({ state: 'visible' });
    assert.match(await status(page), /1 record is waiting to be sent/);

    // 2: first with no employment and an income that is no number: the
    // phone's checks say so, the form keeps what was typed.
    await open(PEOPLE[1].name);
    await page.locator('#v-household_income_per_capita').fill('about 5000');
    await answer('rehab_need', '1');
    await keep();
    await page.locator('#v-form-errors').waitFor({ state: 'visible' });
    assert.equal(await page.evaluate(() => document.activeElement.id), 'v-form-errors', 'the focus goes to the error summary');
    const summary = await page.locator('#v-form-errors').innerText();
    assert.match(summary, /Please correct 2 things/);
    assert.match(summary, /Employment must be/);
    assert.match(summary, /“about 5000” is not an amount/);
    assert.equal(await page.locator('#v-employment').getAttribute('aria-invalid'), 'true');
    assert.match(await page.locator('#v-household_income_per_capita').getAttribute('aria-describedby'), /v-e-household_income_per_capita/);
    assert.equal(await page.locator('#v-household_income_per_capita').inputValue(), 'about 5000', 'what was typed is kept');
    assert.ok(await page.locator('#v-rehab_need-1').isChecked(), 'the answers given are kept');
    await checkPage(page, 'visits-form-errors');
    await page.locator('#v-employment').selectOption('unemployed');
    await page.locator('#v-household_income_per_capita').fill('5,000');
    await keep();
    await page.locator('#v-list-h').waitFor({ state: 'visible' });

    // 3: unable to work, no income given.
    await open(PEOPLE[2].name);
    await page.locator('#v-employment').selectOption('unable');
    await answer('culture_sports', '1');
    await keep();
    await page.locator('#v-list-h').waitFor({ state: 'visible' });
    assert.match(await status(page), /3 records are waiting to be sent/);
    assert.equal(await page.locator('#v-items li', { hasText: 'waiting to be sent' }).count(), 3);
    await checkPage(page, 'visits-offline-waiting');
  });

  test('meanwhile, district staff fill in the third record on the server', { timeout: STEP_TIMEOUT_MS }, async () => {
    const { page } = await district.get();
    await api(page, 'PUT', `/api/v1/persons/${ids[PEOPLE[2].name]}/annual/${year}`, {
      employment: 'not_seeking', economic_status: 'dibao', culture_sports: false, medical_insured: true,
    }, 200);
  });

  test('online again: two saved, one conflict resolved side by side', { timeout: STEP_TIMEOUT_MS }, async () => {
    const { page, context } = await phone.get();
    await context.setOffline(false);
    await page.waitForFunction(() => /2 records sent/.test(document.getElementById('v-status').innerText), null, { timeout: 20_000 });
    assert.match(await status(page), /1 record differs from the registry/);
    const row = page.locator('#v-items li', { hasText: PEOPLE[2].name });
    assert.match(await row.innerText(), /Differs from the registry/);
    await row.locator('button').focus();
    await page.keyboard.press('Enter');
    await page.locator('#v-conflict-section').waitFor({ state: 'visible' });
    const who = await page.locator('#v-conflict-who').innerText();
    assert.match(who, /changed by/);
    // Side by side: the questions that differ, this phone's answer and the registry's.
    const rows = await page.locator('#v-conflict-rows tr').evaluateAll((trs) => trs.map((t) => t.dataset.field));
    for (const f of ['employment', 'economic_status', 'culture_sports']) assert.ok(rows.includes(f), `${f} differs: ${rows}`);
    assert.match(await page.locator('#v-conflict-rows tr[data-field="employment"]').innerText(), /unable to work[\s\S]*not seeking work/);
    // Submitting without choosing says what is missing.
    await page.locator('#v-conflict-form button[type="submit"]').focus();
    await page.keyboard.press('Enter');
    await page.locator('#v-conflict-errors').waitFor({ state: 'visible' });
    await checkPage(page, 'visits-conflict');
    // Keep the phone's employment and culture, the registry's economic status
    // and whatever else it says.
    for (const f of rows) {
      const side = f === 'employment' || f === 'culture_sports' ? 'mine' : 'theirs';
      await page.locator(`#v-k-${f}-${side}`).focus();
      await page.keyboard.press('Space');
    }
    await page.locator('#v-conflict-form button[type="submit"]').focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => /1 record sent/.test(document.getElementById('v-status').innerText), null, { timeout: 20_000 });
    assert.equal(await page.locator('#v-items li', { hasText: 'Saved in the registry' }).count(), 3);

    // The registry holds the three records.
    const d = (await district.get()).page;
    const r1 = await api(d, 'GET', `/api/v1/persons/${ids[PEOPLE[0].name]}/annual/${year}`, undefined, 200);
    assert.equal(r1.employment, 'employed');
    assert.equal(r1.household_income_per_capita, 36000);
    assert.equal(r1.device_need, true);
    assert.equal(r1.updated_by, 'demo_village');
    const r2 = await api(d, 'GET', `/api/v1/persons/${ids[PEOPLE[1].name]}/annual/${year}`, undefined, 200);
    assert.equal(r2.employment, 'unemployed');
    assert.equal(r2.household_income_per_capita, 5000);
    assert.equal(r2.rehab_need, true);
    const r3 = await api(d, 'GET', `/api/v1/persons/${ids[PEOPLE[2].name]}/annual/${year}`, undefined, 200);
    assert.equal(r3.employment, 'unable', 'the phone\'s answer kept');
    assert.equal(r3.culture_sports, true, 'the phone\'s answer kept');
    assert.equal(r3.economic_status, 'dibao', 'the registry\'s answer kept');
    assert.equal(r3.medical_insured, true, 'the registry\'s answer kept');
    assert.equal(r3.version, 2);
  });

  test('the phone reads amounts as the server does', { timeout: STEP_TIMEOUT_MS }, async () => {
    const { page } = await phone.get();
    const typed = ['36000', '36,000', '3.6万', '３６０００', '¥36000', '36000元', '3.65万', '1.5', '-7', '1,2345', 'abc', '',
      '  800 ', '999999999', '100000000', '100,000,001', '0', '00012', '1.', '.5', '5,000.00', '3万元', '１２，０００', '- 5', '1 000'];
    for (const t of typed) {
      const phoneSays = await page.evaluate((v) => window.sunshineVisitRules.readAmount(
        JSON.parse(document.getElementById('visits').dataset.rules).fields.find((f) => f.kind === 'amount'), v), t);
      const server = await api(page, 'POST', '/api/v1/visits/check', { year, age: 40, answers: { employment: 'employed', household_income_per_capita: t } }, 200);
      const serverErr = server.errors.find((e) => e.field === 'household_income_per_capita');
      assert.equal(phoneSays.error ?? null, serverErr?.message ?? null, `“${t}”: the phone and the server disagree`);
    }
  });

  test('signing out leaves nothing readable on the phone', { timeout: STEP_TIMEOUT_MS }, async () => {
    const { page } = await phone.get();
    await page.goto(url('/visits'));
    const before = await rawStore(page);
    assert.ok(before.state && before.hasKey);
    const logout = page.locator('form.logout button');
    await openMenuOf(logout);
    await navigating(page, () => logout.click());
    assert.equal(new URL(page.url()).pathname, '/login');
    const dbs = await page.evaluate(() => indexedDB.databases().then((x) => x.map((d) => d.name)));
    assert.ok(!dbs.includes('sunshine-visits'), `the visit data is deleted at sign-out: ${dbs}`);
    const caches_ = await page.evaluate(() => caches.keys());
    assert.ok(!caches_.includes('sunshine-pages'), `the kept pages are deleted: ${caches_}`);
    // Signed in again, the state copied before sign-out cannot be decrypted.
    await login(page, server.base, 'demo_village');
    const readable = await page.evaluate(async (st) => {
      const db = await new Promise((res) => {
        const r = indexedDB.open('sunshine-visits', 1);
        r.onupgradeneeded = () => r.result.createObjectStore('kv');
        r.onsuccess = () => res(r.result);
      });
      const key = await new Promise((res) => { const r = db.transaction('kv').objectStore('kv').get('key'); r.onsuccess = () => res(r.result); });
      db.close();
      if (!key) return 'no key';
      try {
        await crypto.subtle.decrypt({ name: 'AES-GCM', iv: new Uint8Array(st.iv), additionalData: new TextEncoder().encode('sunshine-visits|demo_village') }, key, new Uint8Array(st.data));
        return 'readable';
      } catch {
        return 'unreadable';
      }
    }, before.state);
    assert.notEqual(readable, 'readable');
  });

  test('the visit sheets are deleted after the keeping period', { timeout: STEP_TIMEOUT_MS }, async () => {
    const { page } = await phone.get();
    await page.goto(url('/visits'));
    await page.locator('#v-load').click();
    await page.locator('#v-candidates input').first().check();
    await page.locator('#v-pick button[type="submit"]').click();
    await page.locator('#v-items li').first().waitFor();
    // Eight days later, as the phone's clock sees it.
    await page.evaluate(() => new Promise((resolve) => {
      const r = indexedDB.open('sunshine-visits', 1);
      r.onsuccess = () => {
        const db = r.result;
        const st = db.transaction('kv', 'readwrite').objectStore('kv');
        const g = st.get('meta');
        g.onsuccess = () => {
          const m = g.result;
          m.expires_at = Date.now() - 1000;
          st.put(m, 'meta').onsuccess = () => { db.close(); resolve(); };
        };
      };
    }));
    await page.reload();
    await page.locator('#v-alert').waitFor({ state: 'visible' });
    assert.match(await page.locator('#v-alert').innerText(), /past their keeping period/);
    assert.equal(await page.locator('#v-items li').count(), 0);
    const raw = await rawStore(page);
    assert.ok(!raw.state && !raw.hasKey, 'nothing left of the sheets or their key');
  });
});
