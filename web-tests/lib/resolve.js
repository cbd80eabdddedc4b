// Fills in the placeholders of lib/pages.js for a signed-in browser context.
// Each value is looked up once, on a page of its own, when first needed (so a
// missing /persons fails only the pages that need {id}); a failed lookup fails
// every page that needs it with the same message.
import assert from 'node:assert/strict';
import { navigating, whereAmI } from './browser.js';
import { personsFixture } from './fixtures.js';

/** Run fn on a new page of the context, closed afterwards. */
export async function withPage(context, fn) {
  const page = await context.newPage();
  try {
    return await fn(page);
  } finally {
    await page.close();
  }
}

/** The ids of the persons linked from the main part of a page, in order. */
export async function personIds(page) {
  const hrefs = await page.$$eval('main a[href]', (as) => as.map((a) => a.href));
  const ids = [];
  for (const href of hrefs) {
    const m = /^\/persons\/([^/]+)\/?$/.exec(new URL(href).pathname);
    // a person's id has digits; /persons/new and other words are not persons
    if (m && /\d/.test(m[1]) && !ids.includes(m[1])) ids.push(decodeURIComponent(m[1]));
  }
  return ids;
}

async function open(page, url, what) {
  const resp = await page.goto(url);
  assert.equal(resp?.status(), 200, `${what}: GET ${new URL(url).pathname} answered HTTP ${resp?.status()}`);
}

const PLACEHOLDERS = ['id', 'year', 'import', 'orgunit', 'case', 'employer', 'vacancy', 'me', 'employee', 'handover', 'levy'];
// The placeholders whose value is a whole URL, not a part of a path.
const WHOLE_URLS = ['import', 'handover', 'levy'];

export class Placeholders {
  /**
   * @param {import('playwright-core').BrowserContext} context signed in
   * @param {string} base the app's origin
   * @param {string} who the account, for messages
   */
  constructor(context, base, who) {
    this.context = context;
    this.base = base;
    this.who = who;
    this.cache = new Map();
  }

  once(key, fn) {
    if (!this.cache.has(key)) {
      const p = fn();
      p.catch(() => {}); // reported by whoever awaits it
      this.cache.set(key, p);
    }
    return this.cache.get(key);
  }

  /** {id}: the first person linked from /persons. */
  id() {
    return this.once('id', () =>
      withPage(this.context, async (page) => {
        const what = `{id} for ${this.who}`;
        await open(page, `${this.base}/persons`, what);
        const ids = await personIds(page);
        assert.ok(ids.length > 0, `${what}: /persons links to no person (no <a href="/persons/ID"> in <main>)`);
        return ids[0];
      }),
    );
  }

  /** {year}: the current year. */
  year() {
    return Promise.resolve(String(new Date().getFullYear()));
  }

  /** The org unit (village code) of person {id}, from the element with data-orgunit on /persons/{id}. */
  orgunit() {
    return this.once('orgunit', async () => {
      const id = await this.id();
      return withPage(this.context, async (page) => {
        const what = `org unit of person ${id} for ${this.who}`;
        await open(page, `${this.base}/persons/${encodeURIComponent(id)}`, what);
        const el = page.locator('[data-orgunit]').first();
        assert.ok(await el.count(), `${what}: /persons/${id} has no element with a data-orgunit attribute`);
        const code = ((await el.getAttribute('data-orgunit')) || (await el.textContent()) || '').trim();
        assert.match(code, /^\d{12}$/, `${what}: data-orgunit should hold the 12-digit village code, found ${JSON.stringify(code)}`);
        return code;
      });
    });
  }

  /** {import}: where the browser lands after uploading the person fixture at /imports. */
  import() {
    return this.once('import', async () => {
      const file = await personsFixture(await this.orgunit());
      return withPage(this.context, async (page) => {
        const what = `{import} for ${this.who}`;
        await open(page, `${this.base}/imports`, what);
        const form = page.locator('form:has(input[type="file"][name="file"])').first();
        assert.ok(await form.count(), `${what}: /imports has no form with <input type="file" name="file">`);
        await form.locator('input[type="file"][name="file"]').setInputFiles(file);
        const kind = form.locator('select[name="kind"]');
        assert.ok(await kind.count(), `${what}: the import form has no <select name="kind">`);
        await kind.selectOption('persons');
        const submit = form.locator('button[type="submit"], input[type="submit"]').first();
        assert.ok(await submit.count(), `${what}: the import form has no submit button`);
        const resp = await navigating(page, () => submit.click());
        assert.equal(resp?.status(), 200, `${what}: uploading the file ended with HTTP ${resp?.status()} on ${await whereAmI(page)}`);
        return page.url();
      });
    });
  }

  /**
   * {case}: the id of an open case the account sees: the first linked from
   * /cases?show=open, or else one the account opens itself through the form
   * at /cases/new (for a staff account, for person {id}). The demo data has
   * cases in 南翔镇; an account that sees none and may not open cases finds
   * the one an account before it opened.
   */
  case() {
    return this.once('case', () =>
      withPage(this.context, async (page) => {
        const what = `{case} for ${this.who}`;
        await open(page, `${this.base}/cases?show=open`, what);
        const hrefs = await page.$$eval('main a[href]', (as) => as.map((a) => a.href));
        for (const href of hrefs) {
          const m = /^\/cases\/(\d+)$/.exec(new URL(href).pathname);
          if (m) return m[1];
        }
        // From the person's page the form comes with the person chosen (the person picker).
        const resp = await page.goto(`${this.base}/cases/new?person_id=${await this.id()}`);
        assert.equal(resp?.status(), 200, `${what}: /cases?show=open links to no case, and GET /cases/new answered HTTP ${resp?.status()}`);
        const form = page.locator('form[action="/cases/new"]').first();
        assert.ok(await form.count(), `${what}: /cases/new has no form posting to /cases/new`);
        const need = form.locator('[name="need"]');
        assert.ok(await need.count(), `${what}: the new-case form has no field "need"`);
        await need.fill('出门需要轮椅（浏览器测试）');
        // A person whose certificate has expired: the request states why it goes ahead.
        const reason = form.locator('[name="certificate_override"]');
        if (await reason.count()) await reason.fill('复评已预约（浏览器测试）');
        // The form's own button (not the picker's search, nor its hidden default button).
        const submit = form.locator('button[type="submit"]:not([name]):not([aria-hidden="true"])').last();
        const done = await navigating(page, () => submit.click());
        const m = /^\/cases\/(\d+)$/.exec(new URL(page.url()).pathname);
        assert.ok(done?.status() === 200 && m, `${what}: submitting the new-case form ended on ${await whereAmI(page)} (HTTP ${done?.status()})`);
        return m[1];
      }),
    );
  }

  /**
   * The id in the first link of the form /<what>/ID on the pages paths,
   * tried in order, for the placeholder key.
   */
  linked(key, paths, what) {
    return this.once(key, () =>
      withPage(this.context, async (page) => {
        const label = `{${key}} for ${this.who}`;
        const re = new RegExp(`^/${what}/(\\d+)$`);
        for (const path of paths) {
          const resp = await page.goto(`${this.base}${path}`);
          if (resp?.status() !== 200) continue;
          const hrefs = await page.$$eval('a[href]', (as) => as.map((a) => a.href));
          for (const href of hrefs) {
            const m = re.exec(new URL(href).pathname);
            if (m) return m[1];
          }
        }
        assert.fail(`${label}: none of ${paths.join(', ')} links to one (<a href="/${what}/ID">)`);
      }),
    );
  }

  /**
   * {employer}: an employer the account sees: the first linked from the home
   * page (an employer account's own organisation, in the navigation), else
   * from /employers (staff).
   */
  employer() {
    return this.linked('employer', ['/', '/employers'], 'employers');
  }

  /**
   * {employee}: a current disabled employee of {employer}: the person id of
   * the first "record that … left" link on the employer's page (staff).
   */
  employee() {
    return this.once('employee', async () => {
      const employer = await this.employer();
      return withPage(this.context, async (page) => {
        const what = `{employee} for ${this.who}`;
        await open(page, `${this.base}/employers/${encodeURIComponent(employer)}`, what);
        const hrefs = await page.$$eval('main a[href]', (as) => as.map((a) => a.href));
        for (const href of hrefs) {
          const u = new URL(href);
          if (/^\/employers\/\d+\/employees\/end$/.test(u.pathname) && u.searchParams.get('person_id')) return u.searchParams.get('person_id');
        }
        assert.fail(`${what}: /employers/${employer} links to no end of an employment (<a href="/employers/ID/employees/end?person_id=N">)`);
      });
    });
  }

  /**
   * {handover}: the URL of the print page of a device handover receipt the account
   * sees: the first linked from the page of an open assistive device case
   * (the demo's dispensed cases).
   */
  handover() {
    return this.once('handover', () =>
      withPage(this.context, async (page) => {
        const what = `{handover} for ${this.who}`;
        await open(page, `${this.base}/cases?show=open&type=assistive_device`, what);
        const cases = [];
        for (const href of await page.$$eval('main a[href]', (as) => as.map((a) => a.href))) {
          const p = new URL(href).pathname;
          if (/^\/cases\/\d+$/.test(p) && !cases.includes(p)) cases.push(p);
        }
        for (const c of cases.slice(0, 30)) {
          await open(page, `${this.base}${c}`, what);
          const link = page.locator('main a[href$="/documents/handover"]').first();
          if (await link.count()) return await link.evaluate((a) => a.href);
        }
        assert.fail(`${what}: none of ${cases.length} open assistive device cases links to its handover receipt`);
      }),
    );
  }

  /** {levy}: the URL of the print page of {employer}'s levy statement, linked from its page. */
  levy() {
    return this.once('levy', async () => {
      const employer = await this.employer();
      return withPage(this.context, async (page) => {
        const what = `{levy} for ${this.who}`;
        await open(page, `${this.base}/employers/${encodeURIComponent(employer)}`, what);
        const link = page.locator('main a[href*="/documents/levy?"]').first();
        assert.ok(await link.count(), `${what}: /employers/${employer} links to no levy statement`);
        return await link.evaluate((a) => a.href);
      });
    });
  }

  /** {vacancy}: the first vacancy linked from /vacancies. */
  vacancy() {
    return this.linked('vacancy', ['/vacancies'], 'vacancies');
  }

  /** {me}: a person account's own person id, from the link to its employment profile on /me. */
  me() {
    return this.once('me', () =>
      withPage(this.context, async (page) => {
        const what = `{me} for ${this.who}`;
        await open(page, `${this.base}/me`, what);
        const hrefs = await page.$$eval('main a[href]', (as) => as.map((a) => a.href));
        for (const href of hrefs) {
          const m = /^\/persons\/(\d+)\/job-profile$/.exec(new URL(href).pathname);
          if (m) return m[1];
        }
        assert.fail(`${what}: /me links to no employment profile (<a href="/persons/ID/job-profile">)`);
      }),
    );
  }

  /** The absolute URL of a page template of lib/pages.js. */
  async url(template) {
    let out = template;
    for (const [, key] of template.matchAll(/\{(\w+)\}/g)) {
      assert.ok(PLACEHOLDERS.includes(key), `unknown placeholder {${key}} in ${template}`);
      const value = await this[key]();
      out = out.replace(`{${key}}`, WHOLE_URLS.includes(key) ? value : encodeURIComponent(value));
    }
    return /^https?:/.test(out) ? out : `${this.base}${out}`;
  }
}
