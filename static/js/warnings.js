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
  return p.reason === 'unknown'
    ? T.urlUnknown.replace('{param}', p.param)
    : T.urlInvalid.replace('{param}', p.param).replace('{value}', shown);
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
