// The server's vocabulary (GET /vocabulary): health boards, WIMD domains, method names,
// significance colours and labels by polarity, field labels in both languages, bounds.
//
// Why a module: the page used to keep its own copies of these and they drifted from the
// server (Welsh domain names, red/blue significance colours for neutral indicators). Now
// the page asks the server once at start and every other module reads it through here,
// so the map, legend, card and pills all show the same words and colours.
import { getJson } from './api.js';

let vocab = null;

/** Fetches /vocabulary; must finish before any other function here is used. */
export async function loadVocabulary() {
  vocab = await getJson('vocabulary');
  return vocab;
}

/** The raw document, for the few places that need a list as is. */
export function vocabulary() { return vocab; }

/** [[id, label], …] of the WIMD editions (the default first), in `lang`. */
export function vintages(lang) { return (vocab.wimd_vintages || []).map((v) => [v.id, `${v.title} – ${v[lang] ?? v.en}`]); }

/** How many LSOAs a WIMD edition ranks (1,909 without one). */
export function vintageLsoaCount(id) { return (vocab.wimd_vintages || []).find((v) => v.id === id)?.lsoa_count ?? 1909; }

/** [[id, label], …] of the WIMD domains ('overall' first), in `lang`. */
export function domains(lang) { return vocab.wimd_domains.map((d) => [d.id, d[lang] ?? d.en]); }

/** [[code, name], …] of the health boards of the loaded data, in `lang`. */
export function boards(lang) { return vocab.health_boards.map((b) => [b.code, boardNameOf(b, lang)]); }

function boardNameOf(b, lang) { return (lang === 'cy' ? b.name_cy : b.name_en) || b.name_en || b.code; }

export function boardName(code, lang) {
  const b = vocab.health_boards.find((x) => x.code === code);
  return b ? boardNameOf(b, lang) : code;
}

/** A classification method's name for a select: the server's legend name, capitalised. */
export function methodLabel(id, lang) {
  const m = vocab.methods.find((x) => x.id === id);
  const name = m ? (m[lang] ?? m.en) : id;
  return name.charAt(0).toUpperCase() + name.slice(1);
}

// An indicator whose polarity the server does not list is shown without judgement: the
// neutral colours never suggest "worse" or "better".
function polarityOf(polarity) {
  return vocab.significance.polarities.includes(polarity) ? polarity : 'neutral';
}

/** The colour of a significance flag for an indicator of this polarity (as on the map). */
export function sigColor(polarity, flag) {
  return vocab.significance.colors[polarityOf(polarity)]?.[flag] ?? vocab.no_data.color;
}

/** The words for a significance flag against a benchmark ('wales' | 'hb'), in `lang`. */
export function sigLabel(polarity, benchmark, lang, flag) {
  return vocab.significance.labels[polarityOf(polarity)]?.[benchmark]?.[lang]?.[flag] ?? flag;
}

/** The label of a data field (value, population, wimd_rank, income_quintile, …). */
export function fieldLabel(name, lang) {
  return vocab.field_labels[lang]?.[name] ?? vocab.field_labels.en?.[name] ?? name;
}

export function noDataLabel(lang) { return vocab.no_data[lang] ?? vocab.no_data.en; }

/** [[west, south], [east, north]] of the loaded data (or of Wales, with no data). */
export function bounds() {
  const [w, s, e, n] = vocab.bounds;
  return [[w, s], [e, n]];
}

export function clusterApproximate() { return vocab.cluster_approximate === true; }

/**
 * True for the approximate-geography caveat, which the banner already shows, so the legend
 * and findings need not repeat it. The server writes it with the vocabulary's exact text.
 */
export function isApproximateNote(note, lang) {
  return note === vocab.approximate_note?.[lang];
}
