// Phones and everyone (issue 14), at 390 px, in Chinese and English:
// - lists are stacked cards below 600 px, also in large-text mode: the
//   village assistant's persons list and open cases inbox show each row as a
//   block with "label: value" lines (the column heads), captions and column
//   heads stay for screen readers, nothing scrolls sideways; at 1280 px the
//   same list is a table again; the indicator drill-down keeps its sort links;
// - the header folds language, display and sign-out into one menu: content
//   starts near the top; the menu opens with the keyboard (Enter on its
//   button), Escape closes it, and a language button in it switches the
//   language (and back);
// - after a form is submitted the focus is on the error summary, or on the
//   result message (the flash);
// - the leader's home shows figures (register by status, service volumes,
//   renovation budget, employment levy) and no personal data;
// - a 403 keeps the user's menu and says what they can do; the provider's
//   and the volunteer's homes say what the role can do;
// axe on every page, screenshots phones-*-390.png.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { launchBrowser, axeCheck, shot, navigating, withQuery, whereAmI, setPreference } from '../lib/browser.js';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { SCREENSHOT_DIR } from '../lib/paths.js';
import { focusTop } from '../lib/keyboard.js';
import { accountSession } from '../lib/session.js';

const FILE_TIMEOUT_MS = 8 * 60_000;
const STEP_TIMEOUT_MS = 120_000;
const PHONE = { width: 390, height: 844 };
const LANGS = ['zh', 'en'];

describe('phones and everyone (390 px)', { timeout: FILE_TIMEOUT_MS }, () => {
  let server;
  let browser;
  before(async () => {
    server = await startServer('phones');
    browser = await launchBrowser();
  }, { timeout: FILE_TIMEOUT_MS });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });
  const env = () => ({ browser, base: server.base });
  const sessions = {};
  const session = (username) => (sessions[username] ??= accountSession(env, username, { viewport: PHONE }));
  after(() => Promise.all(Object.values(sessions).map((s) => s.close())));

  /** A screenshot of what a phone shows first (long lists make full-page shots slow). */
  const screen = async (page, name) => {
    await mkdir(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), animations: 'disabled' });
  };

  /** Open a page as an account; check the status, that nothing scrolls sideways, the watch; axe and a screenshot. */
  const open = async (username, path, params, label, status = 200) => {
    const { page, watch } = await session(username).get();
    watch.reset();
    const resp = await page.goto(withQuery(`${server.base}${path}`, params));
    assert.equal(resp?.status(), status, `${label}: GET ${path} answered HTTP ${resp?.status()}, on ${await whereAmI(page)}`);
    const sw = await page.evaluate(() => document.scrollingElement.scrollWidth);
    assert.ok(sw <= PHONE.width + 1, `${label}: the page scrolls sideways (scrollWidth ${sw}px > ${PHONE.width}px)`);
    await axeCheck(page, `phones-${label}`);
    if (/^(persons|cases)-/.test(label)) await screen(page, `phones-${label}-390`);
    else await shot(page, `phones-${label}-390`);
    if (status === 200) assert.deepEqual(watch.problems(), [], `${label}: ${watch.problems().join('; ')}`);
    return page;
  };

  /** How the first data table of <main> is laid out: rows, cells, labels and their drawn text. */
  const tableLayout = (page) =>
    page.evaluate(() => {
      const table = document.querySelector('main table');
      if (!table) return null;
      const heads = [...(table.tHead?.rows[0]?.cells ?? [])].map((th) => {
        const c = th.cloneNode(true);
        c.querySelectorAll('.visually-hidden, [aria-hidden="true"]').forEach((x) => x.remove());
        return c.textContent.replace(/\s+/g, ' ').trim();
      });
      const rows = [...table.tBodies[0].rows].filter((r) => r.cells.length === heads.length);
      const row = rows[0];
      return {
        heads,
        rows: rows.length,
        rowDisplay: row ? getComputedStyle(row).display : null,
        caption: table.caption ? { text: table.caption.textContent.trim(), height: table.caption.getBoundingClientRect().height } : null,
        cells: row
          ? [...row.cells].map((c) => ({
            display: getComputedStyle(c).display,
            label: c.getAttribute('data-label'),
            before: getComputedStyle(c, '::before').content,
            width: Math.round(c.getBoundingClientRect().width),
            empty: c.textContent.trim() === '',
          }))
          : [],
      };
    });

  /** The first data table is stacked cards whose cells start with their column head. */
  const assertCards = async (page, label) => {
    const t = await tableLayout(page);
    assert.ok(t, `${label}: no table in <main>`);
    assert.ok(t.rows > 0, `${label}: the list has no rows`);
    assert.ok(t.caption && t.caption.text && t.caption.height > 0, `${label}: the table's caption is not shown`);
    assert.equal(t.rowDisplay, 'block', `${label}: a row is displayed as "${t.rowDisplay}", not as a card (block)`);
    t.cells.forEach((c, i) => {
      if (c.empty) return; // an empty value is left out of the card
      assert.equal(c.display, 'block', `${label}: cell ${i + 1} is displayed as "${c.display}"`);
      assert.equal(c.label, t.heads[i], `${label}: cell ${i + 1} is labelled "${c.label}", its column head is "${t.heads[i]}"`);
      assert.ok(c.before.includes(t.heads[i]), `${label}: cell ${i + 1} does not start with its column head (::before ${c.before})`);
      assert.ok(c.width >= PHONE.width * 0.6, `${label}: cell ${i + 1} is ${c.width}px wide: a narrow column, not a card line`);
    });
    // The table keeps its semantics for screen readers: a named table with column heads.
    const table = page.getByRole('table', { name: t.caption.text });
    assert.equal(await table.count(), 1, `${label}: no table named by its caption "${t.caption.text}" in the accessibility tree`);
    assert.ok((await table.getByRole('columnheader').count()) >= t.heads.length, `${label}: the column heads are gone from the accessibility tree`);
    return t;
  };

  for (const lang of LANGS) {
    for (const display of ['standard', 'large']) {
      test(`village assistant (${lang}, ${display}): the persons list and the open cases are cards`, { timeout: STEP_TIMEOUT_MS }, async () => {
        const persons = await open('demo_village', '/persons', { lang, display }, `persons-${lang}-${display}`);
        if (display === 'large') {
          const root = await persons.evaluate(() => parseFloat(getComputedStyle(document.documentElement).fontSize));
          assert.ok(root >= 20, `persons (${lang}, large): the root font is ${root}px, not large text`);
        }
        const t = await assertCards(persons, `persons (${lang}, ${display})`);
        assert.ok(t.heads.includes(lang === 'en' ? 'Name' : '姓名'), `persons (${lang}): no name column (${t.heads.join(', ')})`);
        const inbox = await open('demo_village', '/cases?show=open', { lang, display }, `cases-${lang}-${display}`);
        await assertCards(inbox, `inbox (${lang}, ${display})`);
      });
    }
  }

  test('at 1280 px the persons list is a table again', { timeout: STEP_TIMEOUT_MS }, async () => {
    const { page } = await session('demo_village').get();
    await page.setViewportSize({ width: 1280, height: 900 });
    try {
      await page.goto(`${server.base}/persons?lang=zh&display=standard`);
      const t = await tableLayout(page);
      assert.equal(t.rowDisplay, 'table-row', `persons at 1280 px: rows are displayed as "${t.rowDisplay}"`);
    } finally {
      await page.setViewportSize(PHONE);
    }
  });

  test('the indicator drill-down keeps its sort links as cards (leader, zh)', { timeout: STEP_TIMEOUT_MS }, async () => {
    const page = await open('demo_leader', '/indicators/rehab_rate', { lang: 'zh', display: 'standard' }, 'indicator-zh');
    const sorts = page.locator('main thead a');
    const n = await sorts.count();
    assert.ok(n >= 2, `indicator: ${n} sort links in the table heads`);
    for (let i = 0; i < n; i++) assert.ok(await sorts.nth(i).isVisible(), `indicator: sort link ${i + 1} is hidden at 390 px`);
    const rows = page.locator('main table:has(thead a) tbody tr');
    assert.equal(await rows.first().evaluate((r) => getComputedStyle(r).display), 'block', 'indicator: the drill-down rows are not cards');
    await navigating(page, () => sorts.last().click());
    assert.ok(await page.locator('main th[aria-sort]').count(), 'indicator: after sorting no column head says aria-sort');
  });

  test('the header menu: content near the top; keyboard opens it, Escape closes it, a language button switches', { timeout: STEP_TIMEOUT_MS }, async () => {
    const { page, watch } = await session('demo_village').get();
    watch.reset();
    await page.goto(`${server.base}/persons?lang=zh&display=standard`);
    const menu = page.locator('header #site-menu');
    assert.equal(await menu.evaluate((d) => d.tagName), 'DETAILS', 'the header menu is not a <details>');
    assert.equal(await menu.evaluate((d) => d.open), false, 'the header menu is open on arrival');
    for (const sel of ['button[name="lang"]', 'button[name="display"]', 'form[action="/logout"] button']) {
      assert.ok(await menu.locator(sel).count(), `the header menu has no ${sel}`);
      assert.equal(await menu.locator(sel).first().isVisible(), false, `${sel} shows before the menu is opened`);
    }
    const h1Top = await page.locator('main h1').evaluate((h) => h.getBoundingClientRect().top);
    assert.ok(h1Top < PHONE.height * 0.35, `the page's heading starts ${Math.round(h1Top)}px down at 390 px: the header takes too much room`);

    const active = () => page.evaluate(() => {
      const a = document.activeElement;
      return { tag: a?.tagName, name: a?.getAttribute('name'), value: a?.getAttribute('value'), inMenu: !!a?.closest('#site-menu') };
    });
    const tabTo = async (ok, what) => {
      for (let i = 0; i < 15; i++) {
        await page.keyboard.press('Tab');
        if (ok(await active())) return;
      }
      assert.fail(`${what}: not reached with Tab`);
    };
    await focusTop(page);
    await tabTo((a) => a.tag === 'SUMMARY', 'the menu button');
    await page.keyboard.press('Enter');
    assert.equal(await menu.evaluate((d) => d.open), true, 'Enter on the menu button does not open the menu');
    assert.ok(await menu.locator('button[name="lang"][value="en"]').isVisible(), 'the open menu does not show the language buttons');
    await shot(page, 'phones-menu-open-zh-390');
    await axeCheck(page, 'phones-menu-open-zh');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Escape');
    assert.equal(await menu.evaluate((d) => d.open), false, 'Escape does not close the menu');
    assert.equal((await active()).tag, 'SUMMARY', 'after Escape the focus is not back on the menu button');

    await page.keyboard.press('Enter');
    await tabTo((a) => a.name === 'lang' && a.value === 'en', 'the English button in the menu');
    await navigating(page, () => page.keyboard.press('Enter'));
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'en', `the English button left <html lang="${await page.evaluate(() => document.documentElement.lang)}">`);
    assert.equal(new URL(page.url()).pathname, '/persons', `switching the language left ${page.url()}`);
    assert.match(await page.locator('header summary').innerText(), /Account & settings/, 'the menu button is not in English');
    await axeCheck(page, 'phones-menu-en');

    await focusTop(page);
    await tabTo((a) => a.tag === 'SUMMARY', 'the menu button (en)');
    await page.keyboard.press('Enter');
    await tabTo((a) => a.name === 'lang' && a.value === 'zh', 'the 中文 button in the menu');
    await navigating(page, () => page.keyboard.press('Enter'));
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN', 'the 中文 button did not switch back');
    assert.deepEqual(watch.problems(), [], watch.problems().join('; '));
  });

  for (const lang of LANGS) {
    test(`town staff (${lang}): after submitting, the focus is on the first error, then on the result`, { timeout: STEP_TIMEOUT_MS }, async () => {
      const { page, placeholders } = await session('demo_town').get();
      const id = await placeholders.id();
      // The language as the user chooses it (the header menu), so that it holds after the form's redirect.
      await page.goto(`${server.base}/`);
      await setPreference(page, 'lang', lang);
      await open('demo_town', `/persons/${id}/job-profile`, {}, `job-profile-${lang}`);
      const form = page.locator(`main form[action="/persons/${id}/job-profile"]`);
      assert.equal(await form.count(), 1, `job profile (${lang}): no form`);
      // A valid choice in each list and group the form asks for.
      await form.evaluate((f) => {
        for (const s of f.querySelectorAll('select')) if (!s.value && s.options.length > 1) s.selectedIndex = 1;
        const groups = new Set([...f.querySelectorAll('input[type="radio"]')].map((r) => r.name));
        for (const g of groups) if (!f.querySelector(`input[name="${g}"]:checked`)) f.querySelector(`input[name="${g}"]`).checked = true;
      });
      // Too long a text: the error summary gets the focus.
      await form.locator('[name="desired"]').evaluate((el) => { el.value = '文'.repeat(501); });
      await navigating(page, () => form.locator('button[type="submit"]').click());
      const err = await page.evaluate(() => ({ id: document.activeElement?.id, cls: document.activeElement?.className, text: document.activeElement?.textContent }));
      assert.equal(err.id, 'error-summary', `job profile (${lang}): after a refused submit the focus is on ${err.cls || err.id || 'nothing'}, not the error summary`);
      assert.match(err.text, /500/, `job profile (${lang}): the focused summary does not name the limit`);
      await axeCheck(page, `phones-job-profile-error-${lang}`);
      await shot(page, `phones-job-profile-error-${lang}-390`);
      // Fixed: the result message gets the focus.
      const fixed = page.locator(`main form[action="/persons/${id}/job-profile"]`);
      await fixed.locator('[name="desired"]').fill(lang === 'en' ? 'Office work' : '文员');
      await navigating(page, () => fixed.locator('button[type="submit"]').click());
      const ok = await page.evaluate(() => ({ cls: document.activeElement?.className, text: (document.activeElement?.textContent || '').trim() }));
      assert.match(ok.cls || '', /\bflash\b/, `job profile (${lang}): after saving the focus is on "${ok.cls}", not the result message`);
      assert.match(ok.text, lang === 'en' ? /Saved/ : /已保存/, `job profile (${lang}): the focused message reads "${ok.text}"`);
      const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
      assert.notEqual(outline, 'none', `job profile (${lang}): the focused message shows no focus outline`);
      await axeCheck(page, `phones-job-profile-saved-${lang}`);
      await shot(page, `phones-job-profile-saved-${lang}-390`);
    });

    test(`leader (${lang}): the home shows figures, no personal data`, { timeout: STEP_TIMEOUT_MS }, async () => {
      const page = await open('demo_leader', '/', { lang, display: 'standard' }, `leader-home-${lang}`);
      const main = await page.locator('main').innerText();
      const want = lang === 'en'
        ? ['The register', 'Services', 'Home renovation budget', 'Employment levy', 'Levy due in total (yuan)']
        : ['在册人数', '服务量', '家庭无障碍改造预算', '残疾人就业保障金', '应缴保障金合计（元）'];
      for (const w of want) assert.ok(main.includes(w), `leader home (${lang}): no "${w}"`);
      const figure = async (caption, head) => {
        const row = page.locator(`#${caption}`).locator('xpath=ancestor::table').locator('tbody tr', { has: page.locator('th', { hasText: head }) }).first();
        return (await row.locator('td').first().innerText()).trim();
      };
      const active = Number(await figure('leader-status-caption', lang === 'en' ? 'active' : '在册'));
      assert.ok(active > 100, `leader home (${lang}): ${active} active persons on the register`);
      const services = page.locator('#leader-services-caption').locator('xpath=ancestor::table').locator('tbody tr');
      assert.ok((await services.count()) >= 2, `leader home (${lang}): no service volumes`);
      const opened = Number((await services.last().locator('td').first().innerText()).trim());
      assert.ok(opened > 0, `leader home (${lang}): ${opened} cases opened this year in total`);
      const employers = Number(await figure('leader-levy-caption', lang === 'en' ? 'Employers in the area' : '辖区用人单位'));
      assert.ok(employers > 0, `leader home (${lang}): ${employers} employers`);
      assert.equal(await page.locator('main a[href^="/persons/"]').count(), 0, `leader home (${lang}): links to persons`);
      assert.doesNotMatch(main, /\d{6}\*{4,}/, `leader home (${lang}): a masked ID number`);
    });

    test(`leader (${lang}): a 403 keeps the menu and says what they can do`, { timeout: STEP_TIMEOUT_MS }, async () => {
      const page = await open('demo_leader', '/persons', { lang }, `forbidden-${lang}`, 403);
      const nav = page.locator('nav.site-nav');
      assert.ok(await nav.isVisible(), `403 (${lang}): no main menu`);
      assert.ok(await nav.locator('a[href="/indicators"]').isVisible(), `403 (${lang}): the menu lacks the indicators`);
      assert.match(await nav.innerText(), lang === 'en' ? /Indicators/ : /指标/, `403 (${lang}): the menu is not in the page's language`);
      const main = await page.locator('main').innerText();
      assert.match(main, lang === 'en' ? /What you can do/ : /您可以做什么/, `403 (${lang}): it does not say what they can do`);
      assert.ok(await page.locator('main a[href="/indicators"]').count(), `403 (${lang}): no link to what they can open`);
      assert.ok(await page.locator('header #site-menu form[action="/logout"]').count(), `403 (${lang}): no sign-out in the header`);
    });

    test(`provider and volunteer (${lang}): their homes say what they can do`, { timeout: STEP_TIMEOUT_MS }, async () => {
      for (const [user, link] of [['demo_provider', '/cases'], ['demo_volunteer', '/account/2fa']]) {
        const page = await open(user, '/', { lang, display: 'standard' }, `${user}-home-${lang}`);
        const main = await page.locator('main').innerText();
        assert.match(main, lang === 'en' ? /What you can do/ : /您可以做什么/, `${user} home (${lang}): it does not say what they can do`);
        assert.ok(await page.locator(`main a[href="${link}"]`).count(), `${user} home (${lang}): no link to ${link}`);
      }
    });
  }
});
