// The warning a shared link gets when the page could not show it exactly: every unknown
// parameter and every value it could not use is named (role="alert", so screen readers
// announce it), until the reader dismisses it. A silent fallback would show another map
// than the one the link's author meant.
import { $, el } from './dom.js';
import { t } from './store.js';

let problems = [];

function words(p) {
  const T = t();
  const shown = p.value.length > 40 ? `${p.value.slice(0, 40)}…` : p.value;
  if (p.reason === 'unknown') return T.urlUnknown.replace('{param}', p.param);
  // Say what the map shows instead, not "the default": a clamped classes=99 shows 9.
  const text = p.shown ? T.urlShownInstead : T.urlIgnored;
  return text.replaceAll('{param}', p.param).replace('{value}', shown).replace('{shown}', p.shown || '');
}

/** Shows `list` (urlProblems), or re-renders the current ones (e.g. in a new language). */
export function renderUrlWarnings(list = problems) {
  problems = list;
  const box = $('url-warning');
  if (!problems.length) { box.hidden = true; box.replaceChildren(); return; }
  const T = t();
  const close = el('button', { type: 'button', id: 'url-warning-close', class: 'icon-button', 'aria-label': T.dismiss }, '×');
  close.addEventListener('click', () => renderUrlWarnings([]));
  box.replaceChildren(
    el('div', { class: 'card-head' }, el('strong', {}, T.urlWarningTitle), close),
    el('ul', {}, ...problems.map((p) => el('li', { 'data-param': p.param }, words(p)))),
  );
  box.hidden = false;
}

/** Adds problems found later (an `area` the data does not have). */
export function addUrlWarnings(more) {
  renderUrlWarnings([...problems.filter((p) => !more.some((m) => m.param === p.param)), ...more]);
}
