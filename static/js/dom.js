// Small DOM helpers shared by the page's modules (no framework, no build step).

/** The element with this id. */
export const $ = (id) => document.getElementById(id);

/**
 * Creates an element: `props` become attributes (`style` and `class` are set as text so
 * callers can pass plain strings); null/undefined children are skipped so callers can
 * build optional rows inline.
 */
export function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'style') e.style.cssText = v;
    else if (k === 'class') e.className = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

/** Replaces a <select>'s options with `items` ([value, label] pairs) and selects `value`. */
export function fillSelect(select, items, value) {
  select.replaceChildren(...items.map(([v, l]) => {
    const o = document.createElement('option');
    o.value = v; o.textContent = l;
    if (String(v) === String(value)) o.selected = true;
    return o;
  }));
  select.value = String(value);
}
