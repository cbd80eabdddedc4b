// The person picker and person search (issue 14), as the village assistant
// on a phone (390 px), keyboard only, in Chinese and English:
// - a new request: type 2 characters of a name, arrow down to the person in
//   the listbox, Enter; the request is sent and its page names the person;
// - the same without JavaScript: the picker's search button lists the matches
//   as radio buttons, one is chosen with the keyboard, the request is sent;
//   after an error the chosen person and the typed text are kept;
// - /persons finds the person by the last 4 characters of the ID number, by
//   the full mobile number and by its last 4 digits;
// axe on each page (the listbox open too), a screenshot of each in
// ../artifacts/screenshots/picker-*.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { launchBrowser, axeCheck, shot, navigating, withQuery, newSession, login, setPreference } from '../lib/browser.js';
import { accountSession } from '../lib/session.js';

const FILE_TIMEOUT_MS = 6 * 60_000;
const STEP_TIMEOUT_MS = 120_000;
const PHONE = { width: 390, height: 844 };
const USER = 'demo_village';

describe('person picker and person search (village assistant, 390 px)', { timeout: FILE_TIMEOUT_MS }, () => {
  let server;
  let browser;
  before(async () => {
    server = await startServer('picker');
    browser = await launchBrowser();
  }, { timeout: FILE_TIMEOUT_MS });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });
  const env = () => ({ browser, base: server.base });
  const withJS = accountSession(env, USER, { viewport: PHONE });
  const town = accountSession(env, 'demo_town', { viewport: PHONE });
  let noJS; // a context without JavaScript, signed in by the plain form
  after(async () => {
    await withJS.close();
    await town.close();
    await noJS?.context.close();
  });

  /** No sideways scrolling at 390 px. */
  const fits = async (page, what) => {
    const [scroll, client] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
    assert.ok(scroll <= client + 1, `${what}: the page scrolls sideways (${scroll} > ${client})`);
  };

  // The persons of the assistant's village with their real ID number and
  // phone (revealed through the API, as staff may, with a reason).
  let persons;
  const village = async () => {
    if (persons) return persons;
    const { page } = await withJS.get();
    await page.goto(`${server.base}/persons`);
    const links = page.locator('main tbody tr td:first-child a');
    const n = Math.min(await links.count(), 20);
    assert.ok(n > 0, 'the village assistant lists no persons');
    persons = [];
    for (let i = 0; i < n; i++) {
      const href = await links.nth(i).getAttribute('href');
      const id = Number(href.split('/').pop());
      const name = (await links.nth(i).innerText()).trim();
      const resp = await page.request.post(`${server.base}/api/v1/persons/${id}/reveal`, { data: { reason: '浏览器测试：核对查找结果' } });
      assert.equal(resp.status(), 200, `reveal ${id}: HTTP ${resp.status()}`);
      const r = await resp.json();
      persons.push({ id, name, idNumber: r.id_number, phone: r.phone });
    }
    return persons;
  };
  // A person whose name's first 2 characters, typed, list them among the first 10.
  const target = async () => {
    const ps = await village();
    const p = ps.find((x) => [...x.name].length >= 2 && ps.filter((y) => y.name.startsWith([...x.name].slice(0, 2).join(''))).length <= 10);
    assert.ok(p, 'no person of the village with a name of 2 characters or more');
    return p;
  };

  for (const lang of ['zh', 'en']) {
    test(`new request with the picker, keyboard only (${lang})`, { timeout: STEP_TIMEOUT_MS }, async () => {
      const p = await target();
      const { page, watch } = await withJS.get();
      await page.goto(`${server.base}/cases/new`);
      await setPreference(page, 'lang', lang);
      watch.reset();
      const resp = await page.goto(`${server.base}/cases/new`);
      assert.equal(resp?.status(), 200);
      const input = page.locator('#f-person_id');
      assert.equal(await input.getAttribute('role'), 'combobox', `(${lang}) the picker is not a combobox`);
      await input.focus();
      await page.keyboard.type([...p.name].slice(0, 2).join(''), { delay: 50 });
      const list = page.locator('#l-person_id');
      await list.waitFor({ state: 'visible' });
      assert.equal(await input.getAttribute('aria-expanded'), 'true');
      const options = list.locator('[role=option]');
      await options.first().waitFor();
      const ids = await options.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-id'))));
      const at = ids.indexOf(p.id);
      assert.ok(at >= 0, `(${lang}) ${p.name} is not among the matches of "${[...p.name].slice(0, 2).join('')}"`);
      const texts = await options.allInnerTexts();
      assert.ok(texts.every((t) => !/\d{6}\d{8}/.test(t)), `(${lang}) an option shows an unmasked ID number: ${texts.join(' | ')}`);
      assert.ok(texts[at].includes(p.name), `(${lang}) the option reads "${texts[at]}"`);
      for (let i = 0; i <= at; i++) await page.keyboard.press('ArrowDown');
      assert.equal(await input.getAttribute('aria-activedescendant'), await options.nth(at).getAttribute('id'));
      assert.equal(await options.nth(at).getAttribute('aria-selected'), 'true');
      await axeCheck(page, `picker-listbox-${lang}`);
      await shot(page, `picker-listbox-${lang}-390`);
      await fits(page, `(${lang}) the new request with the list open`);
      await page.keyboard.press('Enter');
      assert.equal(await list.isHidden(), true, `(${lang}) the list stays open after Enter`);
      assert.equal(await page.locator('input[type=hidden][name=person_id]').inputValue(), String(p.id));
      const chosen = await page.locator('#c-person_id').innerText();
      assert.ok(chosen.includes(p.name) && chosen.includes(lang === 'en' ? 'Chosen' : '已选择'), `(${lang}) the chosen line reads "${chosen}"`);
      // Escape (the list closed) does not change the choice.
      await page.keyboard.press('Escape');
      assert.equal(await input.getAttribute('aria-expanded'), 'false');
      assert.equal(await page.locator('input[type=hidden][name=person_id]').inputValue(), String(p.id), `(${lang}) Escape changed the choice`);

      await page.locator('#f-service_type').selectOption('assistive_device');
      await page.locator('#f-need').focus();
      await page.keyboard.type(lang === 'en' ? 'Needs a wheelchair to go out' : '出门需要轮椅');
      await page.locator('form[action="/cases/new"] .actions button[type=submit]').focus();
      await navigating(page, () => page.keyboard.press('Enter'));
      assert.match(new URL(page.url()).pathname, /^\/cases\/\d+$/, `(${lang}) the request was not sent: ${page.url()}`);
      assert.ok((await page.locator('main').innerText()).includes(p.name), `(${lang}) the new request's page does not name ${p.name}`);
      await axeCheck(page, `picker-case-${lang}`);
      assert.deepEqual(watch.problems(), []);
    });

    test(`new request without JavaScript (${lang})`, { timeout: STEP_TIMEOUT_MS }, async () => {
      const p = await target();
      noJS ??= await (async () => {
        const s = await newSession(browser, server.base, { viewport: PHONE, javaScriptEnabled: false });
        await login(s.page, server.base, USER);
        return s;
      })();
      const { page } = noJS;
      await page.goto(`${server.base}/cases/new`);
      await setPreference(page, 'lang', lang);
      assert.equal(await page.locator('#f-person_id').getAttribute('role'), null, 'without JavaScript the field is a plain search field');
      const need = lang === 'en' ? 'A walking frame' : '需要助行器';
      await page.locator('#f-need').focus();
      await page.keyboard.type(need);
      await page.locator('#f-person_id').focus();
      await page.keyboard.type([...p.name].slice(0, 2).join(''));
      // Enter in the search field sends the form: a new search is answered as a search.
      await navigating(page, () => page.keyboard.press('Enter'));
      const radio = page.locator(`input[type=radio][name=person_id][value="${p.id}"]`);
      assert.equal(await radio.count(), 1, `(${lang}) ${p.name} is not offered as a radio button`);
      assert.equal(await page.locator('#f-need').inputValue(), need, `(${lang}) the need typed before the search is lost`);
      const legend = await page.locator('#r-person_id legend').innerText();
      assert.match(legend, lang === 'en' ? /found; choose one/ : /请选择一人/, `(${lang}) the results' legend reads "${legend}"`);
      await shot(page, `picker-nojs-results-${lang}-390`);

      // Choose with the keyboard (focus and Space), clear the need: the error
      // keeps the chosen person and the search.
      await radio.focus();
      await page.keyboard.press('Space');
      assert.equal(await radio.isChecked(), true);
      await page.locator('#f-need').fill('');
      await navigating(page, () => page.locator('form[action="/cases/new"] .actions button[type=submit]').press('Enter'));
      assert.equal(new URL(page.url()).pathname, '/cases/new');
      assert.equal(await page.locator('input[type=hidden][name=person_id]').inputValue(), String(p.id), `(${lang}) the chosen person is lost after an error`);
      assert.ok((await page.locator('#c-person_id').innerText()).includes(p.name));
      const summary = await page.locator('#error-summary').innerText();
      assert.match(summary, lang === 'en' ? /help is needed/ : /需要什么帮助/, `(${lang}) the error does not name the field: ${summary}`);
      await shot(page, `picker-nojs-error-${lang}-390`);
      await page.locator('#f-need').focus();
      await page.keyboard.type(need);
      await navigating(page, () => page.locator('form[action="/cases/new"] .actions button[type=submit]').press('Enter'));
      assert.match(new URL(page.url()).pathname, /^\/cases\/\d+$/, `(${lang}) the request was not sent without JavaScript`);
      assert.ok((await page.locator('main').innerText()).includes(p.name));
    });

    test(`the picker's search button lists radio buttons, axe-clean (${lang})`, { timeout: STEP_TIMEOUT_MS }, async () => {
      // The page a search without JavaScript comes back with (axe needs
      // JavaScript to run, so it checks the same page in the JS session).
      const p = await target();
      const { page, watch } = await withJS.get();
      await page.goto(`${server.base}/cases/new`);
      await setPreference(page, 'lang', lang);
      watch.reset();
      await page.locator('#f-person_id').focus();
      await page.keyboard.type([...p.name].slice(0, 2).join(''));
      await page.keyboard.press('Tab'); // to the search button (the list closes)
      assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'person_id_find', `(${lang}) Tab from the field does not reach its search button`);
      await navigating(page, () => page.keyboard.press('Enter'));
      assert.equal(await page.locator(`input[type=radio][name=person_id][value="${p.id}"]`).count(), 1, `(${lang}) ${p.name} is not offered`);
      await axeCheck(page, `picker-nojs-results-${lang}`);
      await fits(page, `(${lang}) the search results`);
      assert.deepEqual(watch.problems(), []);
      // Sent without a choice (answered 422, which the browser logs): the
      // error names the field and lists the matches.
      await page.locator('#f-need').fill(lang === 'en' ? 'A walking frame' : '需要助行器');
      await navigating(page, () => page.locator('form[action="/cases/new"] .actions button[type=submit]').press('Enter'));
      const summary = await page.locator('#error-summary').innerText();
      assert.match(summary, lang === 'en' ? /Choose one person from the results/ : /请从查找结果中选择一人/, `(${lang}) the error reads "${summary}"`);
      assert.equal(await page.locator(`input[type=radio][name=person_id][value="${p.id}"]`).count(), 1);
      await axeCheck(page, `picker-choose-error-${lang}`);
      await shot(page, `picker-choose-error-${lang}-390`);
    });

    test(`town staff link an employee with the picker, large text and high contrast (${lang})`, { timeout: STEP_TIMEOUT_MS }, async () => {
      const { page, watch } = await town.get();
      await page.goto(`${server.base}/employers`);
      await setPreference(page, 'lang', lang);
      await setPreference(page, 'display', lang === 'en' ? 'contrast' : 'large');
      const href = await page.locator('main a[href^="/employers/"]').evaluateAll((as) =>
        as.map((a) => a.getAttribute('href')).find((h) => /^\/employers\/\d+$/.test(h)));
      assert.ok(href, `(${lang}) /employers links no employer`);
      // A person of the town not linked to this employer yet.
      await page.goto(`${server.base}${href}`);
      const linked = await page.locator('#emp-caption').locator('xpath=ancestor::table').innerText();
      await page.goto(`${server.base}/persons?status=active`);
      const names = await page.locator('main tbody tr td:first-child a').allInnerTexts();
      const name = names.find((n) => [...n].length >= 2 && !linked.includes(n) && names.filter((m) => m.startsWith([...n].slice(0, 2).join(''))).length === 1);
      assert.ok(name, `(${lang}) no person of the town to link`);
      watch.reset();
      await page.goto(`${server.base}${href}`);
      const input = page.locator('#f-person_id');
      await input.focus();
      await page.keyboard.type([...name].slice(0, 2).join(''), { delay: 50 });
      const options = page.locator('#l-person_id [role=option]');
      await options.first().waitFor();
      const texts = await options.allInnerTexts();
      const at = texts.findIndex((t) => t.startsWith(name));
      assert.ok(at >= 0, `(${lang}) ${name} is not among the matches: ${texts.join(' | ')}`);
      for (let i = 0; i <= at; i++) await page.keyboard.press('ArrowDown');
      await axeCheck(page, `picker-employer-listbox-${lang}`);
      await shot(page, `picker-employer-listbox-${lang}-390`);
      await fits(page, `(${lang}) the employer page with the list open`);
      await page.keyboard.press('Enter');
      assert.ok((await page.locator('#c-person_id').innerText()).includes(name));
      await page.locator('#f-from_date').focus();
      await page.keyboard.type('2026-03-01');
      await navigating(page, () => page.keyboard.press('Enter'));
      assert.match(page.url(), /saved=employees/, `(${lang}) the link was not saved: ${page.url()}`);
      const after = await page.locator('#emp-caption').locator('xpath=ancestor::table').innerText();
      assert.ok(after.includes(name), `(${lang}) the employees table does not list ${name}`);
      assert.deepEqual(watch.problems(), []);
      await setPreference(page, 'display', 'standard');
    });

    test(`/persons finds by the ID's last 4 and by phone (${lang})`, { timeout: STEP_TIMEOUT_MS }, async () => {
      const ps = await village();
      const { page, watch } = await withJS.get();
      watch.reset();
      const search = async (q, label) => {
        await page.goto(withQuery(`${server.base}/persons`, { lang }));
        await page.locator('#f-q').focus();
        await page.keyboard.type(q);
        await navigating(page, () => page.keyboard.press('Enter'));
        assert.equal(await page.locator('#f-q').inputValue(), q, `(${lang}) the search ${q} is not kept`);
        await axeCheck(page, `picker-persons-${label}-${lang}`);
        await fits(page, `(${lang}) /persons?q=${label}`);
        const rows = page.locator('main tbody tr');
        return { ids: await rows.locator('td:first-child a').evaluateAll((as) => as.map((a) => Number(a.getAttribute('href').split('/').pop()))), text: await page.locator('main tbody').innerText() };
      };
      const p = ps[0];
      const tail = p.idNumber.slice(-4);
      let got = await search(tail, 'id-tail');
      assert.ok(got.ids.includes(p.id), `(${lang}) ${tail} does not find ${p.name}`);
      assert.ok(!got.text.includes(p.idNumber) && !got.text.includes(p.idNumber.slice(6, 14)), `(${lang}) the results show the ID number unmasked`);
      await shot(page, `picker-persons-id-tail-${lang}-390`);
      const withPhone = ps.find((x) => /^1[3-9]\d{9}$/.test(x.phone || ''));
      assert.ok(withPhone, 'no person of the village has a mobile number');
      got = await search(withPhone.phone, 'phone');
      assert.deepEqual(got.ids.includes(withPhone.id), true, `(${lang}) ${withPhone.phone} does not find ${withPhone.name}`);
      got = await search(withPhone.phone.slice(-4), 'phone-tail');
      assert.ok(got.ids.includes(withPhone.id), `(${lang}) the phone's last 4 do not find ${withPhone.name}`);
      await shot(page, `picker-persons-phone-tail-${lang}-390`);
      assert.deepEqual(watch.problems(), []);
    });
  }
});
