// Keyboard helpers: what has the focus, is the focus visible, Tab until a
// control is reached, and the skip link.
import assert from 'node:assert/strict';

/**
 * The focused element: tag, name, type, href (attribute), text, whether it is
 * inside <main>, and whether the focus is visible (a non-zero outline or a box-shadow).
 */
export async function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body || el === document.documentElement) {
      return { tag: 'BODY', none: true, visible: false, desc: '<body> (nothing focused)' };
    }
    const cs = getComputedStyle(el);
    const outline = cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0;
    const shadow = cs.boxShadow && cs.boxShadow !== 'none';
    const main = document.querySelector('main, [role="main"]');
    const text = (el.getAttribute('aria-label') || el.textContent || el.getAttribute('value') || '')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, 60);
    const attrs = ['id', 'name', 'type', 'href']
      .filter((a) => el.hasAttribute(a))
      .map((a) => `${a}="${el.getAttribute(a)}"`)
      .join(' ');
    return {
      tag: el.tagName,
      id: el.id,
      name: el.getAttribute('name'),
      type: el.getAttribute('type'),
      href: el.getAttribute('href'),
      absHref: el.href || null,
      inMain: !!main && main.contains(el),
      isMain: el === main,
      visible: outline || shadow,
      style: `outline ${cs.outlineStyle} ${cs.outlineWidth}, box-shadow ${cs.boxShadow}`,
      desc: `<${el.tagName.toLowerCase()}${attrs ? ' ' + attrs : ''}>${text ? ` "${text}"` : ''}`,
    };
  });
}

/**
 * Press Tab until predicate(focusedInfo) is true (at most max presses).
 * Every stop is checked for a visible focus; failures go to problems (an
 * array of strings) when given, else fail at once.
 */
export async function tabUntil(page, predicate, { what, max = 60, problems, key = 'Tab' } = {}) {
  const seen = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(key);
    const f = await focused(page);
    seen.push(f.desc);
    if (!f.none && !f.visible) {
      const msg = `focus not visible on ${f.desc} at ${new URL(page.url()).pathname} (${f.style})`;
      if (problems) {
        if (!problems.includes(msg)) problems.push(msg);
      } else {
        assert.fail(msg);
      }
    }
    if (predicate(f)) return f;
  }
  assert.fail(`${what}: not reached after ${max} presses of ${key} on ${page.url()}; focus went to:\n  ${seen.join('\n  ')}`);
}

/** Put the keyboard's starting point at the top of the document, as after a fresh load. */
export async function focusTop(page) {
  await page.evaluate(() => {
    const b = document.body;
    const had = b.hasAttribute('tabindex');
    if (!had) b.setAttribute('tabindex', '-1');
    b.focus({ preventScroll: true });
    if (!had) b.removeAttribute('tabindex');
    window.scrollTo(0, 0);
  });
}

/**
 * Check that the first Tab stop of the page is a visible skip link to #main
 * and that #main is the main landmark. Returns a list of problems (empty when fine).
 */
export async function skipLinkProblems(page) {
  const out = [];
  await focusTop(page);
  await page.keyboard.press('Tab');
  const f = await focused(page);
  if (f.tag !== 'A' || f.href !== '#main') {
    out.push(`the first focusable element should be a skip link <a href="#main">, it is ${f.desc}`);
  } else if (!f.visible) {
    out.push(`the skip link has no visible focus (${f.style})`);
  }
  const target = await page.evaluate(() => {
    const t = document.getElementById('main');
    return t ? { isMain: t.matches('main, [role="main"]') } : null;
  });
  if (!target) out.push('no element with id="main" for the skip link');
  else if (!target.isMain) out.push('#main is not the <main> landmark');
  return out;
}
