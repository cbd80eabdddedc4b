// Sunshine charts: draws Apache ECharts charts from JSON data blocks.
//
// Progressive enhancement. A page that draws charts (Page.Charts) loads
// /static/vendor/echarts.min.js and this file, both with defer. For every
//
//   <div class="chart" data-chart="ID" aria-hidden="true"></div>
//   <script type="application/json" id="ID">{"kind":"bar", …}</script>
//
// it reads the data block (not executed, so the CSP allows it) and draws it:
//
//   {"kind": "bar" | "line",
//    "categories": ["嘉定镇街道", "南翔镇"],
//    "series": [{"name": "覆盖率", "data": [0.91, null]}],   // null: no value, nothing drawn
//    "percent": true,     // values are fractions, shown as 91.0%
//    "target": 0.85,      // optional: a dashed line labelled with the target
//    "title": "…"}        // optional: drawn above the chart
//
// The canvas is decoration for sighted users: the page always puts an
// equivalent <table> and a text description (<figcaption>) beside it, so the
// container is aria-hidden and ECharts' own aria support stays off.
//
// Strict CSP (script-src 'self'; style-src 'self'): no eval, no style
// attributes. The canvas renderer only sets styles through the CSSOM
// (el.style.x), which the CSP allows; the SVG renderer and HTML tooltips
// would need style attributes, so tooltips are drawn on the canvas too
// (renderMode "richText").
//
// Colours come from the page's CSS custom properties (--fg, --bg, --accent,
// --line, --muted…), so the high-contrast mode (html.display-contrast) gives a
// high-contrast chart; text sizes follow the root font size, so the large
// mode (html.display-large, 125%) gives larger chart text. No animation when
// the user prefers reduced motion. When ECharts is missing or a data block is
// bad, the container is left empty and hidden; nothing is thrown.
(function () {
  "use strict";

  var root = document.documentElement;
  var drawn = []; // {el, chart, spec} of every chart drawn, for resizing
  var seen = typeof WeakSet === "function" ? new WeakSet() : null;

  function cssVar(name, fallback) {
    var v = getComputedStyle(root).getPropertyValue(name);
    v = v ? v.trim() : "";
    return v || fallback;
  }

  function rootFontPx() {
    var px = parseFloat(getComputedStyle(root).fontSize);
    return px > 0 ? px : 16;
  }

  function reducedMotion() {
    return !!(window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches);
  }

  function isEnglish() {
    return /^en\b/i.test(root.getAttribute("lang") || "");
  }

  function isNum(v) {
    return typeof v === "number" && isFinite(v);
  }

  // The format of values: fractions as percentages with one decimal, other
  // numbers in the page's locale.
  function formatter(percent) {
    var locale = root.getAttribute("lang") || undefined;
    return function (v) {
      if (v === null || v === undefined || v === "" || !isNum(Number(v))) { return "–"; }
      v = Number(v);
      if (percent) { return (v * 100).toFixed(1) + "%"; }
      try { return v.toLocaleString(locale); } catch (e) { return String(v); }
    };
  }

  // A round number >= x, for an axis end that the target line must fit under.
  function niceCeil(x) {
    if (!(x > 0)) { return x; }
    var p = Math.pow(10, Math.floor(Math.log(x) / Math.LN10));
    var steps = [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10];
    for (var i = 0; i < steps.length; i++) {
      if (x / p <= steps[i] + 1e-9) { return steps[i] * p; }
    }
    return 10 * p;
  }

  // Parses and checks the data block; throws on anything unexpected.
  function readSpec(id) {
    var block = id ? document.getElementById(id) : null;
    if (!block || block.tagName !== "SCRIPT" || (block.getAttribute("type") || "").toLowerCase() !== "application/json") {
      throw new Error("no data block");
    }
    var spec = JSON.parse(block.textContent);
    if (!spec || typeof spec !== "object") { throw new Error("not an object"); }
    if (spec.kind !== "bar" && spec.kind !== "line") { throw new Error("unknown kind"); }
    if (!Array.isArray(spec.categories) || !Array.isArray(spec.series) || spec.series.length === 0) {
      throw new Error("no categories or series");
    }
    spec.categories = spec.categories.map(String);
    spec.series = spec.series.map(function (s) {
      if (!s || !Array.isArray(s.data)) { throw new Error("series without data"); }
      return {
        name: s.name === undefined || s.name === null ? "" : String(s.name),
        data: spec.categories.map(function (_, i) { return isNum(s.data[i]) ? s.data[i] : null; })
      };
    });
    spec.percent = spec.percent === true;
    spec.target = isNum(spec.target) ? spec.target : null;
    spec.title = typeof spec.title === "string" ? spec.title : "";
    return spec;
  }

  function buildOption(spec, el) {
    var fg = cssVar("--fg", "#1b1b1b");
    var bg = cssVar("--bg", "#ffffff");
    var accent = cssVar("--accent", "#0b4f9c");
    var line = cssVar("--line", "#8a8f98");
    var muted = cssVar("--muted", "#4b4b4b");
    // Further series: the page's other strong colours; lines also differ in
    // dash and symbol, so colour is not the only difference.
    var palette = [accent, cssVar("--ok", "#1d6b2f"), cssVar("--visited", "#5a2d91"), cssVar("--error", "#a4001d"), muted, fg];
    var dashes = ["solid", "dashed", "dotted"];
    var symbols = ["circle", "rect", "triangle", "diamond"];
    var px = rootFontPx();
    var small = Math.round(px * 0.875);
    var family = getComputedStyle(document.body || root).fontFamily || "sans-serif";
    var fmt = formatter(spec.percent);
    var text = { color: fg, fontFamily: family, fontSize: small };

    // Where the value axis ends: the target line must be visible, and
    // fractions that come close to 1 are shown on a 0–100% axis.
    var dataMax = null;
    spec.series.forEach(function (s) {
      s.data.forEach(function (v) { if (v !== null && (dataMax === null || v > dataMax)) { dataMax = v; } });
    });
    var top = Math.max(dataMax === null ? 0 : dataMax, spec.target === null ? 0 : spec.target);
    var yMax;
    if (spec.percent && top > 0.5 && top <= 1) {
      yMax = 1;
    } else if (spec.target !== null && spec.target > 0 && (dataMax === null || spec.target >= dataMax)) {
      yMax = niceCeil(spec.target * 1.05);
    }

    // Long category names on a narrow chart: turn them.
    var width = el.clientWidth || 600;
    var perCategory = width / Math.max(spec.categories.length, 1);
    var rotate = perCategory < px * 6 ? 45 : 0;
    var many = spec.series.length > 1;
    var labelled = spec.kind === "bar" && !many && spec.categories.length <= 12 && perCategory >= px * 3.5;

    var series = spec.series.map(function (s, i) {
      var colour = palette[i % palette.length];
      var out = {
        type: spec.kind,
        name: s.name,
        data: s.data,
        itemStyle: { color: colour },
        emphasis: { disabled: true }
      };
      if (spec.kind === "line") {
        out.symbol = symbols[i % symbols.length];
        out.symbolSize = Math.round(px * 0.5);
        out.lineStyle = { color: colour, width: 3, type: dashes[i % dashes.length] };
        out.connectNulls = false;
      } else {
        out.barMaxWidth = px * 4;
        if (labelled) {
          out.label = { show: true, position: "top", formatter: function (p) { return fmt(p.value); },
            color: fg, fontFamily: family, fontSize: small };
        }
      }
      return out;
    });
    if (spec.target !== null) {
      var word = isEnglish() ? "Target" : "目标";
      series[0].markLine = {
        silent: true,
        symbol: "none",
        animation: false,
        lineStyle: { color: fg, type: "dashed", width: 2 },
        label: {
          formatter: word + " " + fmt(spec.target),
          position: "insideEndTop",
          color: fg,
          backgroundColor: bg,
          padding: [2, 4],
          fontFamily: family,
          fontSize: small
        },
        data: [{ yAxis: spec.target }]
      };
    }

    var axisLine = { show: true, lineStyle: { color: line, width: 1 } };
    var option = {
      animation: !reducedMotion(),
      aria: { enabled: false },
      backgroundColor: "transparent",
      color: palette,
      textStyle: { color: fg, fontFamily: family, fontSize: small },
      title: spec.title ? {
        text: spec.title,
        left: 0,
        top: 0,
        textStyle: { color: fg, fontFamily: family, fontSize: Math.round(px), fontWeight: "bold" }
      } : { show: false },
      legend: many ? {
        show: true,
        top: spec.title ? Math.round(px * 1.75) : 0,
        right: 0,
        textStyle: text,
        inactiveColor: muted
      } : { show: false },
      grid: {
        left: 8,
        right: px * 1.5,
        top: Math.round(px * ((spec.title ? 1.75 : 0) + (many ? 1.75 : 0) + 1.5)),
        bottom: 8,
        // Axis labels inside the rectangle above (was grid.containLabel).
        outerBoundsMode: "same",
        outerBoundsContain: "axisLabel"
      },
      tooltip: {
        show: true,
        trigger: "axis",
        renderMode: "richText",
        confine: true,
        backgroundColor: bg,
        borderColor: fg,
        borderWidth: 1,
        textStyle: text,
        axisPointer: { type: spec.kind === "bar" ? "shadow" : "line", lineStyle: { color: fg }, shadowStyle: { color: line, opacity: 0.2 } },
        valueFormatter: fmt
      },
      xAxis: {
        type: "category",
        data: spec.categories,
        axisLine: axisLine,
        axisTick: { show: true, alignWithLabel: true, lineStyle: { color: line } },
        axisLabel: { color: fg, fontFamily: family, fontSize: small, rotate: rotate, hideOverlap: true }
      },
      yAxis: {
        type: "value",
        min: 0,
        axisLine: axisLine,
        axisLabel: { color: fg, fontFamily: family, fontSize: small, formatter: fmt },
        splitLine: { show: true, lineStyle: { color: line, opacity: 0.45 } }
      },
      series: series
    };
    if (yMax !== undefined) { option.yAxis.max = yMax; }
    return option;
  }

  function fail(el, chart) {
    if (chart) {
      try { chart.dispose(); } catch (e) { /* nothing more to do */ }
    }
    while (el.firstChild) { el.removeChild(el.firstChild); }
    el.hidden = true;
  }

  function draw(el) {
    if (seen) {
      if (seen.has(el)) { return; }
      seen.add(el);
    }
    el.setAttribute("aria-hidden", "true");
    var echarts = window.echarts;
    if (!echarts || typeof echarts.init !== "function") { fail(el); return; }
    if (echarts.getInstanceByDom && echarts.getInstanceByDom(el)) { return; }
    var chart = null;
    try {
      var spec = readSpec(el.getAttribute("data-chart"));
      chart = echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(buildOption(spec, el));
      drawn.push({ el: el, chart: chart, spec: spec, width: el.clientWidth, height: el.clientHeight });
    } catch (e) {
      fail(el, chart);
    }
  }

  function drawAll(scope) {
    scope = scope && scope.querySelectorAll ? scope : document;
    if (scope.matches && scope.matches(".chart[data-chart]")) { draw(scope); }
    var list = scope.querySelectorAll(".chart[data-chart]");
    for (var i = 0; i < list.length; i++) { draw(list[i]); }
  }

  // Follow the container's size. When the width changed, the option is built
  // again: category labels may need turning, value labels may no longer fit.
  var pending = false;
  function resizeAll() {
    pending = false;
    drawn = drawn.filter(function (d) {
      if (!d.el.isConnected || d.chart.isDisposed()) {
        if (!d.chart.isDisposed()) { d.chart.dispose(); }
        return false;
      }
      try {
        var w = d.el.clientWidth;
        var h = d.el.clientHeight;
        if (w === d.width && h === d.height) { return true; } // a window resize that left the chart alone
        if (w !== d.width) {
          d.chart.setOption(buildOption(d.spec, d.el), { replaceMerge: ["series"] });
        }
        d.width = w;
        d.height = h;
        d.chart.resize();
      } catch (e) { /* keep the last drawing */ }
      return true;
    });
  }
  window.addEventListener("resize", function () {
    if (pending) { return; }
    pending = true;
    if (window.requestAnimationFrame) { window.requestAnimationFrame(resizeAll); } else { setTimeout(resizeAll, 16); }
  });

  drawAll(document);
  // Charts that arrive in htmx swaps.
  document.addEventListener("htmx:load", function (e) { drawAll(e.target); });
})();
