// Charts (static/charts.js on the vendored Apache ECharts) under the app's
// real Content-Security-Policy, on a test page of the app's origin:
// page.route() answers one made-up URL, /__chart-test, with a document that
// carries the CSP the server sends (read from GET /login) and loads
// /static/app.css, /static/vendor/echarts.min.js and /static/charts.js from
// the real server. The page holds a bar chart, a line chart with nulls and a
// target, and two bad data blocks, each in a <figure> with a table.
// Checked: every good chart gets a painted <canvas> of non-zero size and an
// aria-hidden container; bad data blocks leave their container empty and
// hidden; no console error, page error or CSP violation (a probe with an
// inline script shows that the CSP is enforced); the colours follow the
// page's CSS custom properties (high contrast: yellow on black); large text
// gives larger chart text; reduced motion turns the animation off; the chart
// follows the width of the window; without ECharts the containers hide; axe.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { launchBrowser, newSession, axeCheck, shot } from '../lib/browser.js';

const SERVER_TIMEOUT_MS = 5 * 60_000; // go build on a cold cache
const STEP_TIMEOUT_MS = 30_000;
const TEST_PATH = '/__chart-test';
const STANDARD_LABEL_PX = 14; // 0.875 of the standard 16 px root font

const BAR = {
  kind: 'bar',
  title: '各镇街持证残疾人数',
  categories: ['嘉定镇街道', '南翔镇', '安亭镇', '马陆镇', '徐行镇'],
  series: [{ name: '持证人数', data: [1234, 980, 1502, 760, 640] }],
};
const LINE = {
  kind: 'line',
  categories: ['1月', '2月', '3月', '4月', '5月', '6月'],
  series: [
    { name: '2025 年', data: [0.72, 0.75, null, 0.81, 0.83, 0.86] },
    { name: '2026 年', data: [0.8, null, 0.84, 0.9, null, null] },
  ],
  percent: true,
  target: 0.85,
};
const GOOD = ['chart-bar', 'chart-line'];
const BAD = ['chart-broken', 'chart-unknown-kind'];

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
const pct = (v) => (v === null ? '—' : `${(v * 100).toFixed(1)}%`);

/** A <figure> with a chart container, its data block (raw JSON text) and a table. */
function figure(id, caption, json, table) {
  return `<figure class="chart-figure">
  <figcaption>${esc(caption)}</figcaption>
  <div class="chart" data-chart="${id}-data"></div>
  <script type="application/json" id="${id}-data">${json}</script>
  <div class="table-wrap">${table}</div>
</figure>`;
}

function table(caption, spec, fmt) {
  const head = spec.series.map((s) => `<th scope="col">${esc(s.name)}</th>`).join('');
  const rows = spec.categories
    .map((c, i) => `<tr><th scope="row">${esc(c)}</th>${spec.series.map((s) => `<td>${esc(fmt(s.data[i]))}</td>`).join('')}</tr>`)
    .join('\n');
  return `<table><caption>${esc(caption)}</caption><thead><tr><th scope="col">项目</th>${head}</tr></thead><tbody>${rows}</tbody></table>`;
}

/** The test document. htmlClass: display-contrast / display-large; echarts: load it; probe: an inline script. */
function chartPage({ htmlClass = 'display-standard', echarts = true, probe = false } = {}) {
  const bad = { kind: 'pie', categories: ['a'], series: [{ name: 'x', data: [1] }] };
  return `<!doctype html>
<html lang="zh-CN" class="${htmlClass}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>图表测试 · 阳光助残云</title>
<link rel="stylesheet" href="/static/app.css">
${echarts ? '<script src="/static/vendor/echarts.min.js" defer></script>' : ''}
<script src="/static/charts.js" defer></script>
${probe ? '<script>window.__inlineRan = true;</script>' : ''}
</head>
<body>
<a class="skip-link" href="#main">跳到主要内容</a>
<main id="main" tabindex="-1">
<h1>图表测试</h1>
${figure('chart-bar', '各镇街持证残疾人数：安亭镇最多（1502 人），徐行镇最少（640 人）。', JSON.stringify(BAR),
    table('各镇街持证残疾人数', BAR, (v) => String(v)))}
${figure('chart-line', '康复服务覆盖率，目标 85.0%：2025 年 6 月达到 86.0%；部分月份暂无数据。', JSON.stringify(LINE),
    table('康复服务覆盖率', LINE, pct))}
${figure('chart-broken', '损坏的数据：不应画出图表。', '{"kind":"bar","categories":["a",', '<p>无数据。</p>')}
${figure('chart-unknown-kind', '未知的图表类型：不应画出图表。', JSON.stringify(bad), '<p>无数据。</p>')}
</main>
</body>
</html>`;
}

describe('charts: ECharts under the app\'s CSP', { timeout: SERVER_TIMEOUT_MS + 2 * 60_000 }, () => {
  let server;
  let browser;
  let csp;
  before(async () => {
    server = await startServer('charts');
    browser = await launchBrowser();
    const resp = await fetch(`${server.base}/login`, { redirect: 'manual' });
    csp = resp.headers.get('content-security-policy');
    assert.ok(csp && /script-src 'self'/.test(csp) && /style-src 'self'/.test(csp), `GET /login: unexpected Content-Security-Policy ${csp}`);
  }, { timeout: SERVER_TIMEOUT_MS });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  /**
   * Opens the test page in a fresh context and returns the page, the watch
   * (console errors, page errors, other hosts), the CSP violations and the
   * console warnings. Close the context when done.
   */
  async function open(pageOptions, contextOptions = {}) {
    const session = await newSession(browser, server.base, contextOptions);
    const { page } = session;
    const warnings = [];
    page.on('console', (msg) => { if (msg.type() === 'warning') warnings.push(msg.text()); });
    await page.addInitScript(() => {
      window.__cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) => {
        window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`);
      });
    });
    await page.route((url) => url.origin === server.base && url.pathname === TEST_PATH, (route) =>
      route.fulfill({
        status: 200,
        headers: { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': csp, 'cache-control': 'no-store' },
        body: chartPage(pageOptions),
      }));
    const resp = await page.goto(`${server.base}${TEST_PATH}`, { waitUntil: 'load' });
    assert.equal(resp?.status(), 200);
    const violations = () => page.evaluate(() => window.__cspViolations.slice());
    return { ...session, warnings, violations };
  }

  /** What charts.js made of each container. */
  const containers = (page) =>
    page.evaluate(() => [...document.querySelectorAll('.chart')].map((el) => {
      const canvas = el.querySelector('canvas');
      const r = canvas?.getBoundingClientRect();
      return {
        id: el.getAttribute('data-chart').replace(/-data$/, ''),
        hidden: el.hidden,
        children: el.childElementCount,
        ariaHidden: el.getAttribute('aria-hidden'),
        canvas: canvas ? { width: canvas.width, height: canvas.height, cssWidth: r.width, cssHeight: r.height } : null,
      };
    }));

  /** Pixels of the chart's canvas near the colour [r, g, b], and all painted pixels. */
  const pixels = (page, id, rgb) =>
    page.evaluate(([sel, [r, g, b]]) => {
      const c = document.querySelector(sel);
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let near = 0;
      let painted = 0;
      for (let i = 0; i < d.length; i += 4) {
        if (d[i + 3] === 0) continue;
        painted++;
        if (d[i + 3] > 200 && Math.abs(d[i] - r) < 16 && Math.abs(d[i + 1] - g) < 16 && Math.abs(d[i + 2] - b) < 16) near++;
      }
      return { near, painted };
    }, [`.chart[data-chart="${id}-data"] canvas`, rgb]);

  /**
   * pixels() once the bars have grown in: the animation is on unless the
   * context asks for reduced motion, so sample until more than 2000 pixels
   * have the colour, for up to 5 s, and return the last sample.
   */
  async function grown(page, id, rgb) {
    let got = await pixels(page, id, rgb);
    for (let i = 0; i < 50 && got.near <= 2000; i++) {
      await page.waitForTimeout(100);
      got = await pixels(page, id, rgb);
    }
    return got;
  }

  /**
   * fn(option) of a drawn chart, with ECharts' merged option (getOption()).
   * fn runs in the page through Playwright (no eval, which the CSP forbids).
   */
  async function option(page, id, fn) {
    const handle = await page.evaluateHandle(
      (sel) => window.echarts.getInstanceByDom(document.querySelector(sel)).getOption(),
      `.chart[data-chart="${id}-data"]`,
    );
    try {
      return await handle.evaluate(fn);
    } finally {
      await handle.dispose();
    }
  }

  async function expectDrawn(page, label) {
    await page.waitForFunction((n) => document.querySelectorAll('.chart canvas').length >= n, GOOD.length,
      { timeout: STEP_TIMEOUT_MS });
    const got = await containers(page);
    for (const id of GOOD) {
      const c = got.find((x) => x.id === id);
      assert.ok(c && !c.hidden && c.canvas, `${label}: ${id} has no canvas: ${JSON.stringify(c)}`);
      assert.ok(c.canvas.width > 0 && c.canvas.height > 0 && c.canvas.cssWidth > 100 && c.canvas.cssHeight > 100,
        `${label}: ${id} canvas has no size: ${JSON.stringify(c.canvas)}`);
      assert.equal(c.ariaHidden, 'true', `${label}: ${id} container is not aria-hidden`);
      const { painted } = await pixels(page, id, [0, 0, 0]);
      assert.ok(painted > 1000, `${label}: ${id} canvas is (nearly) empty: ${painted} painted pixels`);
    }
    for (const id of BAD) {
      const c = got.find((x) => x.id === id);
      assert.ok(c && c.hidden && c.children === 0 && !c.canvas, `${label}: ${id} should be empty and hidden: ${JSON.stringify(c)}`);
    }
  }

  async function expectClean(s, label) {
    s.watch.assertClean(label);
    assert.deepEqual(await s.violations(), [], `${label}: CSP violations`);
  }

  test('the CSP is enforced on the test page (an inline script is refused and reported)', { timeout: STEP_TIMEOUT_MS }, async () => {
    const s = await open({ probe: true });
    try {
      assert.equal(await s.page.evaluate(() => window.__inlineRan), undefined, 'the inline script ran: the CSP was not applied');
      const v = await s.violations();
      assert.ok(v.some((x) => /^script-src/.test(x)), `no script-src violation recorded: ${JSON.stringify(v)}`);
      assert.ok(s.watch.problems().some((p) => /Content Security Policy/i.test(p)), 'the refusal was not logged as a console error');
    } finally {
      await s.context.close();
    }
  });

  test('standard display: both charts draw, bad data hides, no errors, axe passes', { timeout: STEP_TIMEOUT_MS }, async () => {
    const s = await open({}, { reducedMotion: 'no-preference' });
    try {
      await expectDrawn(s.page, 'standard');
      // Bars in --accent (#0b4f9c); percent values as 91.0%; nulls stay null; the target line.
      const blue = await grown(s.page, 'chart-bar', [0x0b, 0x4f, 0x9c]);
      assert.ok(blue.near > 2000, `bars are not drawn in --accent: ${JSON.stringify(blue)}`);
      assert.equal(await option(s.page, 'chart-line', (o) => o.yAxis[0].axisLabel.formatter(0.91)), '91.0%');
      assert.equal(await option(s.page, 'chart-line', (o) => o.tooltip[0].valueFormatter(0.855)), '85.5%');
      assert.deepEqual(await option(s.page, 'chart-line', (o) => o.series[1].data), LINE.series[1].data);
      assert.equal(await option(s.page, 'chart-line', (o) => o.series[0].markLine.data[0].yAxis), 0.85);
      assert.match(await option(s.page, 'chart-line', (o) => o.series[0].markLine.label.formatter), /^目标 85\.0%$/);
      // ECharts' own aria is off: it would label the container, which the page's table and figcaption do.
      assert.deepEqual(await s.page.$$eval('.chart', (els) => els.filter((el) => el.hasAttribute('role') || el.hasAttribute('aria-label')).length), 0);
      assert.equal(await option(s.page, 'chart-bar', (o) => o.tooltip[0].renderMode), 'richText');
      // Text follows the root font size (16 px here); animation on without a reduced-motion wish.
      assert.equal(await option(s.page, 'chart-bar', (o) => o.xAxis[0].axisLabel.fontSize), STANDARD_LABEL_PX);
      assert.equal(await option(s.page, 'chart-bar', (o) => o.animation), true);
      // Tooltips (drawn on the canvas: HTML tooltips would need style attributes).
      for (const id of GOOD) {
        await s.page.locator(`.chart[data-chart="${id}-data"]`).hover();
        await s.page.waitForTimeout(300);
      }
      assert.equal(await s.page.locator('.chart div:not(:has(canvas))').count(), 0, 'ECharts added HTML (a tooltip?) to a chart');
      await expectClean(s, 'standard');
      assert.deepEqual(s.warnings.filter((w) => /echarts|chart|Content Security/i.test(w)), [], 'console warnings');
      await axeCheck(s.page, 'charts-standard');
      await shot(s.page, 'charts-standard');
    } finally {
      await s.context.close();
    }
  });

  test('high contrast: the charts draw in yellow on black', { timeout: STEP_TIMEOUT_MS }, async () => {
    const s = await open({ htmlClass: 'display-contrast' });
    try {
      await expectDrawn(s.page, 'contrast');
      const yellow = await grown(s.page, 'chart-bar', [0xff, 0xff, 0x00]);
      const blue = await pixels(s.page, 'chart-bar', [0x0b, 0x4f, 0x9c]);
      assert.ok(yellow.near > 2000 && blue.near === 0, `bars are not in the contrast --accent: yellow ${yellow.near}, blue ${blue.near}`);
      assert.equal(await option(s.page, 'chart-bar', (o) => o.xAxis[0].axisLabel.color), '#ffffff');
      assert.equal(await s.page.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(0, 0, 0)');
      await expectClean(s, 'contrast');
      await axeCheck(s.page, 'charts-contrast');
      await shot(s.page, 'charts-contrast');
    } finally {
      await s.context.close();
    }
  });

  test('large text gives larger chart text; reduced motion turns the animation off', { timeout: STEP_TIMEOUT_MS }, async () => {
    const s = await open({ htmlClass: 'display-large' }, { reducedMotion: 'reduce' });
    try {
      await expectDrawn(s.page, 'large');
      const rootPx = await s.page.evaluate(() => parseFloat(getComputedStyle(document.documentElement).fontSize));
      const labelPx = await option(s.page, 'chart-bar', (o) => o.xAxis[0].axisLabel.fontSize);
      assert.ok(labelPx >= STANDARD_LABEL_PX * 1.2, `chart text: ${labelPx}px in large mode (root ${rootPx}px), ${STANDARD_LABEL_PX}px in standard`);
      assert.equal(await option(s.page, 'chart-bar', (o) => o.animation), false);
      await expectClean(s, 'large');
      await axeCheck(s.page, 'charts-large');
    } finally {
      await s.context.close();
    }
  });

  test('the charts follow the window width (down to 320 px)', { timeout: STEP_TIMEOUT_MS }, async () => {
    const s = await open({});
    try {
      await expectDrawn(s.page, 'wide');
      await s.page.setViewportSize({ width: 320, height: 640 });
      await s.page.waitForFunction(() => {
        const w = document.documentElement.clientWidth;
        return [...document.querySelectorAll('.chart canvas')].every((c) => c.getBoundingClientRect().width <= w);
      }, null, { timeout: STEP_TIMEOUT_MS });
      await expectDrawn(s.page, 'narrow');
      const scrolls = await s.page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);
      assert.equal(scrolls, false, 'the page scrolls sideways at 320 px');
      await expectClean(s, 'narrow');
    } finally {
      await s.context.close();
    }
  });

  test('without ECharts the containers stay empty and hidden, without errors', { timeout: STEP_TIMEOUT_MS }, async () => {
    const s = await open({ echarts: false });
    try {
      await s.page.waitForFunction(() => [...document.querySelectorAll('.chart')].every((el) => el.hidden), null, { timeout: STEP_TIMEOUT_MS });
      for (const c of await containers(s.page)) {
        assert.ok(c.hidden && c.children === 0 && c.ariaHidden === 'true', JSON.stringify(c));
      }
      await expectClean(s, 'no echarts');
    } finally {
      await s.context.close();
    }
  });
});
