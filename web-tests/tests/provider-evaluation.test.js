// Issue 16: the served person's feedback and the providers' evaluation.
// The test makes what it needs through the API (it does not rely on the
// demo's providers): district staff register a provider and a contract for
// assistive devices; demo_person asks for a device; district staff assign
// the case to the contract and take it to its end (cancelled: closed).
// - demo_person (390 px, Chinese) finds the closed case on their home page,
//   chooses a satisfaction by keyboard, writes a complaint and sends it.
// - District staff (390 px, English) see the complaint on their home card
//   and the complaints page, open the ranking of the year, follow the
//   contract's link to its evaluation (every KPI explained), enter an
//   expert score by keyboard and see the score go up by 15 × 80/100 = 12.
// Axe on every page; screenshots in ../artifacts/screenshots/provider-eval-*.png.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { launchBrowser, navigating, withQuery, whereAmI, setPreference, checkPage } from '../lib/browser.js';
import { accountSession } from '../lib/session.js';
import { focusTop, tabUntil, focused } from '../lib/keyboard.js';

const FILE_TIMEOUT_MS = 5 * 60_000;
const STEP_TIMEOUT_MS = 120_000;
const PHONE = { width: 390, height: 844 };

const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** A unified social credit code (DOMAIN.md §1.3) from its first 17 characters. */
function uscc(first17) {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += USCC_ALPHABET.indexOf(first17[i]) * USCC_WEIGHTS[i];
  const c = (31 - (sum % 31)) % 31;
  return first17 + USCC_ALPHABET[c];
}

describe('provider evaluation', { timeout: FILE_TIMEOUT_MS }, () => {
  let server;
  let browser;
  before(async () => {
    server = await startServer('provider-evaluation');
    browser = await launchBrowser();
  }, { timeout: FILE_TIMEOUT_MS });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });
  const env = () => ({ browser, base: server.base });
  const district = accountSession(env, 'demo', { viewport: PHONE });
  const person = accountSession(env, 'demo_person', { viewport: PHONE });
  after(() => district.close());
  after(() => person.close());

  const year = new Date().getFullYear();
  let contractId;
  let caseId;

  /** An API call in a signed-in context: its JSON answer, asserting the status. */
  async function api(page, method, path, data, status) {
    const resp = await page.request.fetch(`${server.base}${path}`, { method, data });
    const body = await resp.text();
    assert.equal(resp.status(), status, `${method} ${path}: ${body}`);
    return body ? JSON.parse(body) : null;
  }

  test('the data: a provider, a contract, the person’s case assigned and closed', { timeout: STEP_TIMEOUT_MS }, async () => {
    const { page: staff } = await district.get();
    const { page: me } = await person.get();
    const seq = String(Date.now() % 10000).padStart(4, '0');
    const provider = await api(staff, 'POST', '/api/v1/providers', { name: `浏览器测试助残服务社${seq}`, uscc: uscc(`52310114MA1BT${seq}`), orgunit: '310114' }, 201);
    const contract = await api(staff, 'POST', '/api/v1/contracts', {
      provider_id: provider.id, service_type: 'assistive_device', year, budget: 1_000_000, target_cases: 4, due_days: 30,
      title: `${year}年辅具适配（浏览器测试${seq}）`,
    }, 201);
    contractId = contract.id;
    const cs = await api(me, 'POST', '/api/v1/cases', { service_type: 'assistive_device', data: { need: '需要一辆轮椅' } }, 201);
    caseId = cs.id;
    await api(staff, 'POST', `/api/v1/cases/${caseId}/assign`, { contract_id: contractId }, 200);
    const closed = await api(staff, 'POST', `/api/v1/cases/${caseId}/transitions`, { action: 'cancel' }, 200);
    assert.ok(closed.closed_at, 'the case is closed');
    // Before it closed nothing could be rated; now the feedback is open once.
  });

  test('the person (390 px, keyboard) rates the closed case from their home page', { timeout: STEP_TIMEOUT_MS }, async () => {
    assert.ok(caseId, 'the case was made');
    const { page, watch } = await person.get();
    watch.reset();
    await page.goto(`${server.base}/`);
    await setPreference(page, 'lang', 'zh');
    const href = `/cases/${caseId}/feedback`;
    assert.ok(await page.locator(`main a[href="${href}"]`).count(), `the home page offers the case to rate: ${await whereAmI(page)}`);
    await checkPage(page, 'provider-eval-person-home-zh');
    await focusTop(page);
    await tabUntil(page, (f) => f.inMain && f.href === href, { what: 'the link to rate the case', max: 80 });
    await navigating(page, () => page.keyboard.press('Enter'));
    assert.equal(new URL(page.url()).pathname, href);
    assert.equal(await page.locator('input[type="radio"][name="satisfaction"]').count(), 5, 'five choices');
    assert.match(await page.locator('label[for="f-satisfaction-1"]').innerText(), /很不满意/);
    assert.match(await page.locator('label[for="f-satisfaction-5"]').innerText(), /很满意/);
    await checkPage(page, 'provider-eval-feedback-zh');
    // Sent without a choice: the form comes back, the complaint kept.
    await page.locator('#f-complaint').fill('上门时间改了两次');
    await navigating(page, () => page.locator('main form button[type="submit"]').click());
    assert.equal(await page.locator('#error-summary a[href="#f-satisfaction"]').count(), 1, `the error links to the choice: ${await whereAmI(page)}`);
    assert.equal(await page.locator('#f-complaint').inputValue(), '上门时间改了两次');
    await checkPage(page, 'provider-eval-feedback-error-zh');
    // By keyboard: Tab to the first choice, arrow to 4 (满意), Tab on to send.
    await focusTop(page);
    await tabUntil(page, (f) => f.name === 'satisfaction', { what: 'the satisfaction choices' });
    await page.keyboard.press('Space');
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowDown');
    assert.equal(await page.locator('#f-satisfaction-4').isChecked(), true, '4 is chosen');
    await tabUntil(page, (f) => f.tag === 'BUTTON' && f.inMain && f.type === 'submit', { what: 'the send button', max: 5 });
    await navigating(page, () => page.keyboard.press('Enter'));
    assert.match(await page.locator('main').innerText(), /谢谢您的评价/);
    assert.match(await page.locator('#feedback-given').innerText(), /4 · 满意[\s\S]*上门时间改了两次/);
    await checkPage(page, 'provider-eval-feedback-given-zh');
    // The home page no longer asks.
    await page.goto(`${server.base}/`);
    assert.equal(await page.locator(`main a[href="${href}"]`).count(), 0, 'rated: no longer offered');
    assert.deepEqual(watch.problems().filter((p) => !/status of 422/.test(p)), []);
  });

  test('district staff (390 px, English) see the complaint, the ranking and the evaluation, and enter an expert score by keyboard', { timeout: STEP_TIMEOUT_MS }, async () => {
    assert.ok(contractId, 'the contract was made');
    const { page, watch } = await district.get();
    watch.reset();
    await page.goto(`${server.base}/`);
    await setPreference(page, 'lang', 'en');
    const card = page.locator('main a[href="/providers/complaints"]').first();
    assert.ok(await card.count(), `a home card links to the complaints: ${await whereAmI(page)}`);
    assert.match((await card.innerText()).replace(/\s+/g, ' '), /\d+ complaints? about (a )?services? waits? to be handled/);
    await navigating(page, () => card.click());
    assert.match(await page.locator('main').innerText(), /上门时间改了两次/);
    await checkPage(page, 'provider-eval-complaints-en');
    await page.goto(withQuery(`${server.base}/providers/complaints`, { lang: 'zh', show: 'all' }));
    await checkPage(page, 'provider-eval-complaints-zh');
    await page.goto(withQuery(`${server.base}/providers/evaluation`, { year: String(year), lang: 'zh' }));
    await checkPage(page, 'provider-eval-ranking-zh');

    await page.goto(withQuery(`${server.base}/providers/evaluation`, { year: String(year) }));
    await checkPage(page, 'provider-eval-ranking-en');
    const link = `/contracts/${contractId}/evaluation`;
    assert.ok(await page.locator(`main a[href="${link}"]`).count(), `the ranking links to the contract: ${await whereAmI(page)}`);
    assert.ok(await page.locator(`main a[href="/api/v1/providers/evaluation.xlsx?year=${year}"]`).count(), 'the workbook is offered');
    await focusTop(page);
    await tabUntil(page, (f) => f.inMain && f.href === link, { what: 'the contract’s evaluation', max: 80 });
    await navigating(page, () => page.keyboard.press('Enter'));
    assert.equal(new URL(page.url()).pathname, link);
    // Every KPI with its explanation; the case closed, rated 4 of 4.5, one complaint.
    assert.equal(await page.locator('main tbody tr[id^="kpi-"]').count(), 7);
    assert.match(await page.locator('#kpi-cases').innerText(), /1 of 4 cases assigned: 20 × 1\/4 = 5\.00 points/);
    assert.match(await page.locator('#kpi-satisfaction').innerText(), /15 × min\(1, 4\.00\/4\.50\) = 13\.33 points/);
    assert.match(await page.locator('#kpi-complaints').innerText(), /max\(0, 5 − 1\) = 4\.00 points/);
    assert.match(await page.locator('#kpi-expert').innerText(), /No expert score yet/);
    const before = Number(await page.locator('#score-value').innerText());
    await checkPage(page, 'provider-eval-contract-en');

    // The expert score by keyboard: Tab to the field, type, Tab to save, Enter.
    await focusTop(page);
    await tabUntil(page, (f) => f.id === 'f-score', { what: 'the expert score field', max: 80 });
    await page.keyboard.type('80');
    await tabUntil(page, (f) => f.id === 'f-note', { what: 'the note', max: 3 });
    await page.keyboard.type('Records complete');
    await tabUntil(page, (f) => f.tag === 'BUTTON' && f.type === 'submit', { what: 'save', max: 3 });
    await navigating(page, () => page.keyboard.press('Enter'));
    assert.equal(new URL(page.url()).pathname, link, `back on the evaluation: ${await whereAmI(page)}`);
    assert.match(await page.locator('main').innerText(), /expert score is saved/);
    const after = Number(await page.locator('#score-value').innerText());
    assert.equal(Math.round((after - before) * 100), 1200, `the score goes up by 12.00: ${before} → ${after}`);
    assert.match(await page.locator('#kpi-expert').innerText(), /Expert score 80 of 100: 15 × 80\/100 = 12\.00 points/);
    await checkPage(page, 'provider-eval-contract-scored-en');

    // A score out of range is refused at its field, what was typed kept.
    await page.locator('#f-score').fill('120');
    await navigating(page, () => page.locator('main form button[type="submit"]').click());
    assert.equal(await page.locator('#error-summary a[href="#f-score"]').count(), 1);
    assert.equal(await page.locator('#f-score').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.locator('#f-score').inputValue(), '120');
    await checkPage(page, 'provider-eval-contract-error-en');
    assert.deepEqual(watch.problems().filter((p) => !/status of 422/.test(p)), []);
  });
});
