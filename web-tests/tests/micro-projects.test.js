// Issue 16: the yearly "ten micro-charity projects" (十大微公益项目).
// - District staff (`demo`) register an organisation through the API; the
//   system and security administrators give it a provider account (asked
//   for, then approved), as the admin API does for any account.
// - The organisation's worker proposes a project on /micro-projects in
//   Chinese: a phone number in the summary is refused (no personal data on
//   a published page) with what was typed kept; corrected, it is proposed.
// - District staff at 390 px in English, keyboard only, open the proposal,
//   score it on the rubric (each criterion's maximum shown; an out-of-range
//   score is refused naming the criterion), and publish the year's
//   selection.
// - An anonymous browser (no sign-in) sees the public page with the
//   project's rank, title, organisation, towns and budget, in Chinese and
//   English, and no scorer.
// Axe on every page; screenshots in ../artifacts/screenshots/micro-*.png.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { launchBrowser, newSession, login, navigating, withQuery, whereAmI, setPreference, checkPage } from '../lib/browser.js';
import { accountSession } from '../lib/session.js';
import { focusTop, tabUntil, focused } from '../lib/keyboard.js';

const FILE_TIMEOUT_MS = 6 * 60_000;
const STEP_TIMEOUT_MS = 120_000;
const PHONE = { width: 390, height: 844 };
const WORKER = 'micro_worker';
const WORKER_PASSWORD = 'micro-charity-worker-310114';
const TITLE = '视障人士出行训练';
const ORG = '阳光微公益服务社';

/** A unified social credit code (GB 32100-2015) with its check character. */
function uscc(first17) {
  const alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY';
  const weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += alphabet.indexOf(first17[i]) * weights[i];
  return first17 + alphabet[(31 - (sum % 31)) % 31];
}

describe('micro-charity projects', { timeout: FILE_TIMEOUT_MS }, () => {
  let server;
  let browser;
  before(async () => {
    server = await startServer('micro-projects');
    browser = await launchBrowser();
  }, { timeout: FILE_TIMEOUT_MS });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });
  const env = () => ({ browser, base: server.base });
  const district = accountSession(env, 'demo', { viewport: PHONE });
  after(() => district.close());
  const contexts = [];
  after(async () => { for (const c of contexts) await c.close(); });

  let projectPath;

  test('an organisation and its worker\'s account (admin API, two administrators)', { timeout: STEP_TIMEOUT_MS }, async () => {
    const { page } = await district.get();
    const org = await page.request.post(`${server.base}/api/v1/providers`, {
      data: { name: ORG, uscc: uscc('51310114MJ7654321'), orgunit: '310114', towns: ['310114102'] },
    });
    assert.equal(org.status(), 201, `create the organisation: ${await org.text()}`);
    const providerId = (await org.json()).id;
    // Before any proposal: the staff's empty list with the form (an
    // organisation picker), and the public page saying nothing is published.
    await page.goto(withQuery(`${server.base}/micro-projects`, { lang: 'zh' }));
    assert.match(await page.locator('main table').innerText(), /还没有申报的项目/);
    assert.ok(await page.locator(`#f-provider_id option[value="${providerId}"]`).count(), 'staff pick the organisation by name');
    await checkPage(page, 'micro-staff-empty-zh');
    await page.goto(withQuery(`${server.base}/public/micro-projects`, { lang: 'zh' }));
    assert.match(await page.locator('main [role="status"]').innerText(), /尚未公布/);
    await checkPage(page, 'micro-public-empty-zh');
    const admin = async (username) => {
      const s = await newSession(browser, server.base);
      contexts.push(s.context);
      await login(s.page, server.base, username);
      return s.page;
    };
    const sys = await admin('demo_sysadmin');
    const asked = await sys.request.post(`${server.base}/api/v1/users`, {
      data: { username: WORKER, name: '微公益社工', role: 'provider', orgunit: '310114', provider_id: providerId, password: WORKER_PASSWORD },
    });
    assert.equal(asked.status(), 201, `ask for the account: ${await asked.text()}`);
    const sec = await admin('demo_secadmin');
    const approved = await sec.request.post(`${server.base}/api/v1/users/${WORKER}/approve`);
    assert.equal(approved.status(), 200, `approve the account: ${await approved.text()}`);
  });

  test('the worker proposes a project; a phone number in the summary is refused', { timeout: STEP_TIMEOUT_MS }, async () => {
    const s = await newSession(browser, server.base);
    contexts.push(s.context);
    const { page, watch } = s;
    await login(page, server.base, WORKER, WORKER_PASSWORD);
    watch.reset();
    await page.goto(withQuery(`${server.base}/micro-projects`, { lang: 'zh' }));
    assert.equal(await page.locator('h1').count(), 1);
    assert.ok(await page.locator('#f-title').count(), `the form to propose: ${await whereAmI(page)}`);
    assert.equal(await page.locator('#f-provider_id').count(), 0, 'a worker proposes for its own organisation: no organisation picker');
    await checkPage(page, 'micro-worker-zh');
    await page.locator('#f-title').fill(TITLE);
    await page.locator('#f-summary').fill('为南翔镇的视力残疾人开展出行训练，每周两次。联系人电话 138 1234 5678。');
    await page.locator('#f-towns-310114102').check();
    await page.locator('#f-budget').fill('5.5万');
    await page.locator('#f-beneficiaries').fill('30');
    await navigating(page, () => page.locator('main form[action="/micro-projects"] button[type="submit"]').click());
    assert.equal(await page.locator('#error-summary a[href="#f-summary"]').count(), 1, `the summary's error is linked: ${await whereAmI(page)}`);
    assert.match(await page.locator('#error-summary').innerText(), /电话号码/);
    assert.equal(await page.locator('#f-summary').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.locator('#f-budget').inputValue(), '5.5万', 'the budget is kept as typed');
    assert.ok(await page.locator('#f-towns-310114102').isChecked(), 'the town stays ticked');
    await checkPage(page, 'micro-worker-error-zh');
    await page.locator('#f-summary').fill('为南翔镇的视力残疾人开展出行训练，每周两次，共 40 次。');
    await navigating(page, () => page.locator('main form[action="/micro-projects"] button[type="submit"]').click());
    projectPath = new URL(page.url()).pathname;
    assert.match(projectPath, /^\/micro-projects\/\d+$/, `proposed: ${await whereAmI(page)}`);
    assert.match(await page.locator('main').innerText(), /项目已申报/);
    assert.match(await page.locator('main dl.facts').innerText(), /55,000\.00 元/);
    assert.equal(await page.locator('#f-need').count(), 0, 'the worker does not score');
    await checkPage(page, 'micro-worker-proposed-zh');
    assert.deepEqual(watch.problems().filter((p) => !/status of 422/.test(p)), []);
  });

  test('district staff (390 px, English, keyboard) score the proposal and publish the selection', { timeout: STEP_TIMEOUT_MS }, async () => {
    assert.ok(projectPath, 'a project was proposed');
    const { page, watch } = await district.get();
    watch.reset();
    await page.goto(`${server.base}/`);
    await setPreference(page, 'lang', 'en');
    await page.goto(`${server.base}/micro-projects`);
    await checkPage(page, 'micro-staff-en');
    assert.match(await page.locator('#micro-caption').innerText(), /by average score/);
    await focusTop(page);
    await tabUntil(page, (f) => f.inMain && f.href === projectPath, { what: 'the proposal in the list', max: 80 });
    await navigating(page, () => page.keyboard.press('Enter'));
    assert.equal(new URL(page.url()).pathname, projectPath);
    assert.match(await page.locator('label[for="f-need"]').innerText(), /Need \(0 to 30\)/);
    assert.match(await page.locator('label[for="f-sustainability"]').innerText(), /\(0 to 10\)/);
    await checkPage(page, 'micro-project-en');
    // Type the scores field by field with the keyboard; "benefit" out of range first.
    const typeScores = async (values) => {
      await focusTop(page);
      await tabUntil(page, (f) => f.id === 'f-need', { what: 'the first criterion', max: 80 });
      for (const [i, v] of values.entries()) {
        if (i > 0) await tabUntil(page, (f) => f.tag === 'INPUT' && f.inMain, { what: `criterion ${i + 1}`, max: 3 });
        await page.keyboard.press('ControlOrMeta+a');
        await page.keyboard.type(v);
      }
      await tabUntil(page, (f) => f.tag === 'BUTTON' && f.type === 'submit' && f.inMain, { what: 'the submit button', max: 3 });
      await navigating(page, () => page.keyboard.press('Enter'));
    };
    await typeScores(['27', '20', '26', '8', '7']);
    assert.equal(await page.locator('#error-summary a[href="#f-benefit"]').count(), 1, `the error names the criterion: ${await whereAmI(page)}`);
    assert.match(await page.locator('#error-summary').innerText(), /Benefit to disabled people.*0 to 25/);
    assert.equal(await page.locator('#f-benefit').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.locator('#f-need').inputValue(), '27', 'what was typed is kept');
    await checkPage(page, 'micro-score-error-en');
    await typeScores(['27', '20', '22', '8', '7']);
    assert.equal(new URL(page.url()).pathname, projectPath);
    assert.match(await page.locator('main').innerText(), /Your score is saved/);
    assert.match(await page.locator('main dl.facts').innerText(), /84\.00 \(scored by 1, rank 1\)/);
    assert.match(await page.locator('#score-title').innerText(), /Change your score/);
    await checkPage(page, 'micro-scored-en');
    // Publish from the list, by keyboard.
    await page.goto(`${server.base}/micro-projects`);
    await focusTop(page);
    await tabUntil(page, (f) => f.id === 'publish', { what: 'the publish button', max: 80 });
    await navigating(page, () => page.keyboard.press('Enter'));
    assert.match(await page.locator('main').innerText(), /The selection is published/);
    assert.match(await page.locator('main table').innerText(), /selected, no\. 1/);
    assert.ok(await page.locator('#f-reason').count(), 'the withdraw form replaces the publish button');
    await checkPage(page, 'micro-published-en');
    assert.deepEqual(watch.problems().filter((p) => !/status of 422/.test(p)), []);
  });

  test('anyone, without signing in, sees the published selection', { timeout: STEP_TIMEOUT_MS }, async () => {
    // A visitor whose browser asks for Chinese.
    const s = await newSession(browser, server.base, { viewport: PHONE, locale: 'zh-CN' });
    contexts.push(s.context);
    const { page, watch } = s;
    watch.reset();
    const resp = await page.goto(`${server.base}/public/micro-projects`);
    assert.equal(resp?.status(), 200);
    assert.equal(new URL(page.url()).pathname, '/public/micro-projects', 'no sign-in asked for');
    const item = page.locator('main ol li#rank-1');
    assert.match(await item.locator('h2').innerText(), new RegExp(`第 1 名：${TITLE}`));
    const facts = await item.locator('dl').innerText();
    assert.match(facts, new RegExp(ORG));
    assert.match(facts, /南翔镇/);
    assert.match(facts, /55,000\.00 元/);
    const text = await page.locator('main').innerText();
    assert.doesNotMatch(text, /demo|评分人|scorer/i, 'no scorer is named');
    await checkPage(page, 'micro-public-zh');
    await page.goto(withQuery(`${server.base}/public/micro-projects`, { lang: 'en' }));
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    assert.match(await page.locator('main ol li#rank-1 h2').innerText(), new RegExp(`No\\. 1: ${TITLE}`));
    assert.match(await page.locator('main ol li#rank-1 dl').innerText(), /Nanxiang Town/);
    await checkPage(page, 'micro-public-en');
    const api = await page.request.get(`${server.base}/api/v1/public/micro-projects`);
    assert.equal(api.status(), 200);
    const body = await api.json();
    assert.equal(body.items[0].title, TITLE);
    assert.doesNotMatch(JSON.stringify(body), /demo|score|13812345678/);
    assert.deepEqual(watch.problems(), []);
  });
});
