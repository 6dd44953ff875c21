// Unit tests of the map page's pure logic (static/js/state.js, sitePath in api.js) under
// Node's built-in runner: `node --test tests/js/`. No browser, server or database: the
// vocabulary and indicator list are small fixtures shaped like /vocabulary and /indicators.
import { test } from 'node:test';
import assert from 'node:assert/strict';

// api.js reads the page's <meta> once at import; outside a page there is none.
globalThis.document = { querySelector: () => null, baseURI: 'http://atlas.test/map' };
const state = await import('../../static/js/state.js');
const { sitePath } = await import('../../static/js/api.js');

const vocab = {
  languages: [{ code: 'en' }, { code: 'cy' }],
  map_kinds: ['deprivation', 'indicator', 'significance'],
  wimd_domains: [{ id: 'overall' }, { id: 'income' }, { id: 'housing' }],
  wimd_vintages: [{ id: '2025', domains: false }, { id: '2019', domains: true }],
  confidence_levels: [{ id: '95', label: '95%' }, { id: '99.8', label: '99.8%' }],
  methods: [{ id: 'quantile' }, { id: 'equal_interval' }, { id: 'fisher_jenks' }, { id: 'manual' }],
  classes: { min: 3, max: 9, default: 5 },
  palettes: ['YlGnBu', 'PuBu'],
  default_palette: 'YlGnBu',
  significance: { benchmarks: ['wales', 'hb'] },
  health_boards: [{ code: 'W11000028' }],
  tile_encodings: ['mvt', 'mlt'],
};
const meta = {
  indicators: [
    { id: 'patients_most_deprived_20pct', periods: ['2024-04'], default_period: '2024-04' },
    { id: 'copd', periods: ['2023-24'], default_period: '2023-24' },
    { id: 'population', periods: ['mid-2019', 'mid-2020', 'mid-2024'], default_period: 'mid-2024' },
  ],
};
const read = (search) => state.readState(search, vocab, meta);

test('the deprivation map is WIMD 2025 unless a domain or vintage=2019 asks for 2019', () => {
  assert.equal(read('').vintage, '2025');
  assert.equal(read('?view=deprivation&domain=income').vintage, '2019');
  assert.equal(read('?view=deprivation&vintage=2019').vintage, '2019');
  // 2025 has no domains: the overall index is shown, and the link is told so.
  const s = read('?view=deprivation&vintage=2025&domain=housing');
  assert.equal(s.domain, 'overall');
  const problems = state.urlProblems('?view=deprivation&vintage=2025&domain=housing', vocab, s);
  assert.deepEqual(problems.map((p) => p.param), ['domain']);
  assert.equal(read('?vintage=2021').vintage, '2025');
  assert.equal(state.vintageFor(vocab, null, 'overall'), '2025');
  assert.equal(state.vintageFor(vocab, null, 'income'), '2019');
  assert.equal(state.vintageHasDomains(vocab, '2025'), false);
});

test('the confidence level is 95% by default, 99.8% on request, and anything else is reported', () => {
  assert.equal(read('?view=significance&indicator=copd').level, '95');
  const s = read('?view=significance&indicator=copd&level=99.8');
  assert.equal(s.level, '99.8');
  assert.match(state.styleQuery(s), /level=99\.8/);
  assert.match(state.dataQuery(s), /level=99\.8/);
  const bad = read('?view=significance&indicator=copd&level=90');
  assert.equal(bad.level, '95');
  assert.deepEqual(state.urlProblems('?view=significance&indicator=copd&level=90', vocab, bad).map((p) => p.param), ['level']);
  // A static copy holds one classification and the default level only.
  const fixed = state.readState('?view=significance&indicator=copd&level=99.8', vocab, meta, { method: 'quantile', classes: 5, palette: 'YlGnBu' });
  assert.equal(fixed.level, '95');
});

test('a state survives its own URL', () => {
  for (const search of [
    '?view=deprivation&vintage=2019&domain=housing&lang=cy',
    '?view=indicator&indicator=copd&period=2023-24&method=fisher_jenks&classes=7&palette=PuBu&level=99.8&lang=en',
    '?view=significance&indicator=population&period=mid-2020&vs=hb&level=95&hb=W11000028&lang=en&tab=table',
    '?view=indicator&indicator=copd&method=manual&breaks=1.5,2,2.5&lang=en&z=9.00&lat=51.7000&lng=-3.2000',
  ]) {
    const s = read(search);
    const again = read(`?${state.pageQuery(s)}`);
    assert.deepEqual(again, s, search);
    assert.deepEqual(state.urlProblems(`?${state.pageQuery(s)}`, vocab, again), [], search);
  }
});

test('unknown and invalid parameters are named', () => {
  const search = '?view=indicator&indicator=nope&colour=red&classes=12';
  const s = read(search);
  assert.equal(s.indicator, 'patients_most_deprived_20pct');
  const problems = state.urlProblems(search, vocab, s);
  assert.deepEqual(problems.map((p) => [p.param, p.reason]), [['indicator', 'invalid'], ['colour', 'unknown'], ['classes', 'invalid']]);
  // Each says what the page shows instead: the default indicator, the clamped classes.
  assert.equal(problems[0].shown, 'patients_most_deprived_20pct');
  assert.equal(problems[2].shown, String(vocab.classes.max));
  assert.equal(s.classes, vocab.classes.max);
  const breaks = state.urlProblems('?view=indicator&method=manual&breaks=x', vocab, read('?view=indicator&method=manual&breaks=x'));
  assert.deepEqual(breaks.map((p) => [p.param, p.shown]), [['method', 'quantile'], ['breaks', '']]);
});

test('sitePath sorts the query into the file name, as the exporter does', () => {
  assert.equal(sitePath('styles/indicator.json?lang=en&indicator=copd'), 'styles/indicator~indicator=copd~lang=en.json');
  assert.equal(sitePath('data/copd?lang=en'), 'data/copd~lang=en.json');
  assert.equal(sitePath('summary/W11000028.html?level=99.8&lang=cy'), 'summary/W11000028~lang=cy~level=99.8.html');
  assert.equal(sitePath('vocabulary'), 'vocabulary.json');
  assert.throws(() => sitePath('data/copd?lang=<script>'), /not in this static copy/);
});

test('sitePath names files as every file system can: a cluster code\'s `:` is `_`, as the exporter writes it', () => {
  assert.equal(sitePath('profiles/7A1%3Aanglesey'), 'profiles/7A1_anglesey.json');
  assert.equal(sitePath('profiles/7A1:anglesey?lang=cy'), 'profiles/7A1_anglesey~lang=cy.json');
  assert.equal(sitePath('profiles/7A6%3Ablaenau/pyramid.svg?lang=cy'), 'profiles/7A6_blaenau/pyramid~lang=cy.svg');
  assert.equal(sitePath('data/copd?area=7A1:anglesey'), 'data/copd~area=7A1_anglesey.json');
  for (const p of ['profiles/7A1%3Aanglesey/deprivation.svg', 'summary/W11000028.csv?lang=cy&level=99.8']) {
    assert.ok(!/[<>:"\\|?*]/.test(decodeURIComponent(sitePath(p))), p);
  }
});
