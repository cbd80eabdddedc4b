// Issue 22: the handicraft shop.
// - A buyer, without signing in, on a phone (390 px) in English, keyboard
//   only: searches the catalogue for the Yi embroidered purse, opens it,
//   orders more than the stock (refused at the quantity, 409, with what was
//   typed kept), then two: the confirmation gives the order number, the
//   total and how to pay by bank transfer.
// - District staff (`demo`) at 390 px, keyboard only: find that order among
//   those awaiting payment, record the bank transfer, ship it with a tracking
//   number and record the delivery; a payout roster the maker tries to
//   approve is refused (maker-checker).
// - District staff upload a photo of the Yi embroidered purse with the
//   keyboard (an HTML page named .jpg refused first at the file field,
//   422), with its description in Chinese and English: the public product
//   page shows it with that alt text; the workshops' pages (阳光工坊).
// Axe and no sideways scrolling on every page; screenshots shop-*.png.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { launchBrowser, newSession, navigating, withQuery, checkPage, setPreference } from '../lib/browser.js';
import { accountSession } from '../lib/session.js';
import { focusTop, tabUntil } from '../lib/keyboard.js';

const FILE_TIMEOUT_MS = 6 * 60_000;
const STEP_TIMEOUT_MS = 120_000;
const PHONE = { width: 390, height: 844 };
// A 24×16 PNG (red and yellow checks).
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAABgAAAAQCAIAAACDRijCAAAAPklEQVR4nGN4tiIBjjYpWcERqeIMVDEFyGWgiilQgyg3BWQQVUxBMYjCUGegiilQg6iSAhioYspoOhrp6QgAN7Q9HykG5fgAAAAASUVORK5CYII=', 'base64');

// chooseFile opens the focused file field with the keyboard (Space) and
// chooses file in the chooser.
async function chooseFile(page, file) {
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'f-file');
  const [chooser] = await Promise.all([page.waitForEvent('filechooser', { timeout: 10_000 }), page.keyboard.press('Space')]);
  await chooser.setFiles(file);
}

describe('handicraft shop', { timeout: FILE_TIMEOUT_MS }, () => {
  let server;
  let browser;
  before(async () => {
    server = await startServer('shop');
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

  let orderNumber;

  test('a buyer finds a product and orders it, keyboard only, in English at 390 px', { timeout: STEP_TIMEOUT_MS }, async () => {
    const s = await newSession(browser, server.base, { viewport: PHONE, locale: 'en-US' });
    contexts.push(s.context);
    const { page, watch } = s;
    watch.reset();
    const resp = await page.goto(`${server.base}/shop`);
    assert.equal(resp?.status(), 200);
    assert.equal(new URL(page.url()).pathname, '/shop', 'no sign-in asked for');
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    assert.match(await page.locator('main [role="status"]').innerText(), /raised [\d,]+\.\d\d yuan for disabled artisans/);
    assert.match(await page.locator('main').innerText(), /The artisans' stories/);
    await checkPage(page, 'shop-catalogue-en');
    // Search by keyboard.
    await focusTop(page);
    await tabUntil(page, (f) => f.id === 'f-q', { what: 'the search field' });
    await page.keyboard.type('purse');
    await navigating(page, () => page.keyboard.press('Enter'));
    assert.match(await page.locator('#list-title').innerText(), /Products \(1\)/);
    await checkPage(page, 'shop-search-en');
    const link = await tabUntil(page, (f) => /\/shop\/products\/\d+$/.test(f.href || ''), { what: 'the product found' });
    await navigating(page, () => page.keyboard.press('Enter'));
    assert.equal(new URL(page.url()).pathname, link.href);
    assert.equal(await page.locator('h1').innerText(), 'Yi embroidered purse');
    const stock = Number((await page.locator('dl.facts dd').nth(2).innerText()).trim());
    assert.ok(stock > 0 && stock < 100, `stock ${stock}`);
    await checkPage(page, 'shop-product-en');
    // More than the stock, typed with the keyboard.
    await tabUntil(page, (f) => f.id === 'f-quantity', { what: 'the quantity' });
    await page.keyboard.press('Control+A');
    await page.keyboard.type(String(stock + 1));
    await page.keyboard.press('Tab');
    await page.keyboard.type('Zhang San');
    await page.keyboard.press('Tab');
    await page.keyboard.type('138 0013 8000');
    await page.keyboard.press('Tab');
    await page.keyboard.type('1 Bole Road, Jiading, Shanghai');
    await tabUntil(page, (f) => f.tag === 'BUTTON' && /Place the order/.test(f.desc), { what: 'the order button' });
    const refused = await navigating(page, () => page.keyboard.press('Enter'));
    assert.equal(refused?.status(), 409);
    assert.match(await page.locator('#error-summary').innerText(), new RegExp(`only ${stock} left`));
    assert.equal(await page.locator('#f-quantity').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.locator('#f-quantity').inputValue(), String(stock + 1));
    assert.equal(await page.locator('#f-name').inputValue(), 'Zhang San');
    assert.equal(await page.locator('#f-phone').inputValue(), '138 0013 8000');
    assert.equal(await page.locator('#f-address').inputValue(), '1 Bole Road, Jiading, Shanghai');
    await checkPage(page, 'shop-over-stock-en');
    // The error summary's link leads to the quantity; two pieces then.
    await focusTop(page);
    await tabUntil(page, (f) => f.href === '#f-quantity', { what: 'the error link' });
    await page.keyboard.press('Enter');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('2');
    await tabUntil(page, (f) => f.tag === 'BUTTON' && /Place the order/.test(f.desc), { what: 'the order button' });
    const placed = await navigating(page, () => page.keyboard.press('Enter'));
    assert.equal(placed?.status(), 200);
    assert.equal(await page.locator('h1').innerText(), 'Your order is placed');
    const status = await page.locator('main [role="status"]').innerText();
    const m = /Order number (SP\d{8}): Yi embroidered purse × 2, total ¥136\.00/.exec(status);
    assert.ok(m, status);
    orderNumber = m[1];
    const facts = await page.locator('dl.facts').innerText();
    assert.match(facts, /Bank transfer|Bank/);
    assert.match(facts, /Account number/);
    await checkPage(page, 'shop-ordered-en');
    // Ordered pieces leave the stock.
    await page.goto(`${server.base}${link.href}`);
    assert.equal(Number((await page.locator('dl.facts dd').nth(2).innerText()).trim()), stock - 2);
    // At 320 px nothing scrolls sideways either.
    await page.setViewportSize({ width: 320, height: 640 });
    await checkPage(page, 'shop-product-en');
    await page.goto(`${server.base}/shop`);
    await checkPage(page, 'shop-catalogue-en');
    assert.deepEqual(watch.problems().filter((p) => !/status of 409/.test(p)), []);
  });

  test('staff record the payment, ship and deliver, keyboard only, at 390 px', { timeout: STEP_TIMEOUT_MS }, async () => {
    assert.ok(orderNumber, 'the buyer\'s order');
    const id = Number(orderNumber.slice(2));
    const { page } = await district.get();
    await page.goto(`${server.base}/shop/staff/orders?state=new`);
    await setPreference(page, 'lang', 'en');
    await checkPage(page, 'shop-staff-orders-en');
    await focusTop(page);
    await tabUntil(page, (f) => f.href === `/shop/staff/orders/${id}`, { what: 'the order' });
    await navigating(page, () => page.keyboard.press('Enter'));
    assert.equal(await page.locator('#order-state').innerText(), 'Awaiting payment');
    assert.doesNotMatch(await page.locator('main').innerText(), /13800138000|Zhang San/, 'the buyer is masked');
    await checkPage(page, 'shop-staff-order-new-en');
    // Record the payment: an empty reference is refused at its field.
    await tabUntil(page, (f) => f.id === 'f-method', { what: 'the payment method' });
    await tabUntil(page, (f) => f.tag === 'BUTTON' && /received/.test(f.desc), { what: 'the payment button' });
    const refused = await navigating(page, () => page.keyboard.press('Enter'));
    assert.equal(refused?.status(), 422);
    assert.equal(await page.locator('#f-reference').getAttribute('aria-invalid'), 'true');
    await checkPage(page, 'shop-staff-pay-refused-en');
    await focusTop(page);
    await tabUntil(page, (f) => f.id === 'f-reference', { what: 'the reference' });
    await page.keyboard.type('ICBC20261203001');
    await navigating(page, () => page.keyboard.press('Enter'));
    assert.match(await page.locator('main').innerText(), /The payment is recorded/);
    assert.equal(await page.locator('#order-state').innerText(), 'Paid');
    // The full address, to send the parcel (audited).
    await focusTop(page);
    await tabUntil(page, (f) => /reveal=1/.test(f.href || ''), { what: 'the delivery details link' });
    await navigating(page, () => page.keyboard.press('Enter'));
    assert.match(await page.locator('main').innerText(), /1 Bole Road, Jiading, Shanghai/);
    await tabUntil(page, (f) => f.id === 'f-tracking', { what: 'the tracking number' });
    await page.keyboard.type('SF1234567890');
    await navigating(page, () => page.keyboard.press('Enter'));
    assert.equal(await page.locator('#order-state').innerText(), 'Shipped');
    assert.match(await page.locator('main').innerText(), /SF1234567890/);
    await checkPage(page, 'shop-staff-order-shipped-en');
    await focusTop(page);
    await tabUntil(page, (f) => f.tag === 'BUTTON' && /Record the delivery/.test(f.desc), { what: 'the delivery button' });
    await navigating(page, () => page.keyboard.press('Enter'));
    assert.equal(await page.locator('#order-state').innerText(), 'Delivered');
    await checkPage(page, 'shop-staff-order-delivered-en');
    // The sales figures count it.
    await page.goto(withQuery(`${server.base}/shop/staff/sales`, { lang: 'zh' }));
    assert.match(await page.locator('#by-product').locator('xpath=..').innerText(), /彝绣零钱包/);
    await checkPage(page, 'shop-staff-sales-zh');
  });

  test('the artisan form picks a registered person (axe, 390 px)', { timeout: STEP_TIMEOUT_MS }, async () => {
    const { page } = await district.get();
    await page.goto(`${server.base}/shop/staff/artisans/1`);
    assert.ok(await page.locator('#f-person_id').count(), 'the person picker');
    assert.match(await page.locator('main').innerText(), /Registered disabled person/);
    await checkPage(page, 'shop-artisan-person-en');
    await page.goto(`${server.base}/shop/staff/artisans/new`);
    await page.locator('#f-craft').fill('Straw weaving');
    const refused = await navigating(page, () => page.locator('#f-craft').press('Enter'));
    assert.equal(refused?.status(), 422, 'neither a person nor a name');
    assert.equal(await page.locator('#f-name').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.locator('#f-craft').inputValue(), 'Straw weaving');
    await checkPage(page, 'shop-artisan-refused-en');
  });

  test('a payout roster is not approved by its maker', { timeout: STEP_TIMEOUT_MS }, async () => {
    const { page } = await district.get();
    await page.goto(`${server.base}/shop/staff/payouts`); // in English, the account's language now
    await page.locator('#f-month').fill('2026-13');
    const bad = await navigating(page, () => page.locator('#f-month').press('Enter'));
    assert.equal(bad?.status(), 422);
    assert.match(await page.locator('#error-summary').innerText(), /The month must be YYYY-MM/);
    await checkPage(page, 'shop-payouts-refused-en');
    await page.locator('#f-month').fill('2026-01');
    await navigating(page, () => page.locator('#f-month').press('Enter'));
    assert.match(await page.locator('main').innerText(), /The roster is made: another member of staff approves it/);
    await checkPage(page, 'shop-payout-en');
    const refused = await navigating(page, () => page.getByRole('button', { name: 'Approve' }).click());
    assert.equal(refused?.status(), 403);
    assert.match(await page.locator('#error-summary').innerText(), /someone other than its maker/);
    await checkPage(page, 'shop-payout-maker-en');
  });

  test('staff upload a photo with the keyboard; the product page shows it with its alt text', { timeout: STEP_TIMEOUT_MS }, async () => {
    const { page } = await district.get();
    await page.goto(`${server.base}/shop/staff`); // in English, the account's language now
    await focusTop(page);
    const link = await tabUntil(page, (f) => /\/shop\/staff\/products\/\d+\/photos$/.test(f.href || '') && /Yi embroidered purse/.test(f.desc), { what: 'the purse\'s photos' });
    await navigating(page, () => page.keyboard.press('Enter'));
    assert.equal(new URL(page.url()).pathname, link.href);
    const before = await page.locator('ol.shop-staff-photos > li').count();
    await checkPage(page, 'shop-staff-photos-en');
    // An HTML page named .jpg is refused at the file field, nothing kept.
    await focusTop(page);
    await tabUntil(page, (f) => f.id === 'f-file', { what: 'the file field' });
    await chooseFile(page, { name: 'purse.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('<!DOCTYPE html><html><body><script>alert(1)</script></body></html>') });
    await page.keyboard.press('Tab');
    await page.keyboard.type('红色彝绣零钱包');
    await tabUntil(page, (f) => f.tag === 'BUTTON' && /"Upload"$/.test(f.desc), { what: 'the upload button' });
    const refused = await navigating(page, () => page.keyboard.press('Enter'));
    assert.equal(refused?.status(), 422);
    assert.equal(await page.locator('#f-file').getAttribute('aria-invalid'), 'true');
    assert.match(await page.locator('#e-file').innerText(), /Only a JPEG, PNG or WebP photo/);
    assert.equal(await page.locator('#f-alt').inputValue(), '红色彝绣零钱包', 'what was typed is kept');
    assert.equal(await page.locator('ol.shop-staff-photos > li').count(), before);
    await checkPage(page, 'shop-staff-photo-refused-en');
    // A real photo, with its descriptions.
    await focusTop(page);
    await tabUntil(page, (f) => f.id === 'f-file', { what: 'the file field' });
    await chooseFile(page, { name: 'purse.png', mimeType: 'image/png', buffer: PNG });
    await tabUntil(page, (f) => f.id === 'f-alt_en', { what: 'the English description' });
    await page.keyboard.type('A red Yi purse, seen from above');
    await tabUntil(page, (f) => f.tag === 'BUTTON' && /"Upload"$/.test(f.desc), { what: 'the upload button' });
    await navigating(page, () => page.keyboard.press('Enter'));
    assert.match(await page.locator('main').innerText(), /The photo is uploaded/);
    assert.equal(await page.locator('ol.shop-staff-photos > li').count(), before + 1);
    await checkPage(page, 'shop-staff-photo-uploaded-en');
    // Moved first, with the keyboard.
    for (let i = 0; i < before; i++) {
      await focusTop(page);
      await tabUntil(page, (f) => f.tag === 'BUTTON' && /Move up: A red Yi purse, seen from above/.test(f.desc), { what: 'move up' });
      await navigating(page, () => page.keyboard.press('Enter'));
    }
    assert.match(await page.locator('ol.shop-staff-photos > li').first().innerText(), /红色彝绣零钱包/);
    // The public product page, without signing in, in English.
    const s = await newSession(browser, server.base, { viewport: PHONE, locale: 'en-US' });
    contexts.push(s.context);
    const id = link.href.split('/')[4];
    await s.page.goto(`${server.base}/shop/products/${id}`);
    const img = s.page.locator('ul.shop-gallery img[alt="A red Yi purse, seen from above"]');
    assert.equal(await img.count(), 1);
    assert.equal(await img.getAttribute('width'), '24');
    assert.ok(await img.evaluate((el) => el.complete && el.naturalWidth === 24), 'the photo loads');
    await checkPage(s.page, 'shop-product-photos-en');
    // The catalogue shows it first, lazily.
    await s.page.goto(`${server.base}/shop`);
    const thumb = s.page.locator(`a[href="/shop/products/${id}"]`).locator('xpath=ancestor::li//img');
    assert.equal(await thumb.getAttribute('alt'), 'A red Yi purse, seen from above');
    assert.equal(await thumb.getAttribute('loading'), 'lazy');
    await checkPage(s.page, 'shop-catalogue-photos-en');
  });

  test('the workshops: add one, an artisan belongs to it (axe, 390 px)', { timeout: STEP_TIMEOUT_MS }, async () => {
    const { page } = await district.get();
    await page.goto(`${server.base}/shop/staff/workshops`);
    assert.match(await page.locator('main').innerText(), /楚雄彝绣阳光工坊/);
    await checkPage(page, 'shop-workshops-en');
    await page.goto(`${server.base}/shop/staff/workshops/1`);
    assert.equal(await page.locator('#f-orgunit').count(), 1);
    await checkPage(page, 'shop-workshop-edit-en');
    await page.goto(`${server.base}/shop/staff/artisans/3/photo`);
    assert.match(await page.locator('main').innerText(), /The artisan consented/);
    assert.equal(await page.locator('main img').count(), 1, 'Ayi\'s demo photo');
    await checkPage(page, 'shop-artisan-photo-en');
    await page.goto(`${server.base}/shop/staff/workshops/new`);
    await page.locator('#f-name').fill('Test workshop');
    const refused = await navigating(page, () => page.locator('#f-name').press('Enter'));
    assert.equal(refused?.status(), 422, 'neither a town nor a place');
    assert.equal(await page.locator('#f-orgunit').getAttribute('aria-invalid'), 'true');
    await checkPage(page, 'shop-workshop-refused-en');
    await page.locator('#f-place').fill('Dayao, Chuxiong');
    await navigating(page, () => page.locator('#f-place').press('Enter'));
    assert.match(await page.locator('main').innerText(), /The workshop is saved[\s\S]*Test workshop/);
    await page.goto(`${server.base}/shop/staff/artisans/3`);
    await page.locator('#f-workshop_id').selectOption({ label: 'Test workshop (Dayao, Chuxiong)' });
    await navigating(page, () => page.getByRole('button', { name: 'Save' }).click());
    assert.match(await page.locator('main').innerText(), /The artisan is saved/);
    await page.goto(`${server.base}/shop?lang=zh`);
    assert.match(await page.locator('main').innerText(), /阳光工坊：Test workshop（Dayao, Chuxiong）/);
  });
});
