//! The words of findings in English and Welsh, with singular and plural right. English
//! agrees the verb with the number ("Arfon is", "Arfon and Bangor are"; "1 of 9 clusters
//! is"); Welsh puts the singular noun after a numeral ("12 dangosydd") and keeps "mae". The Welsh is a draft for
//! review by a Welsh speaker, as the rest of the interface is.

use super::{BoardFinding, Named, Tally};
use crate::catalog::indicators::{Lang, Topic};

/// "is" or "are" for a count.
pub fn is_are(n: usize) -> &'static str {
    if n == 1 {
        "is"
    } else {
        "are"
    }
}

/// A value as findings, summaries and charts print it: one decimal for rates and
/// percentages, none for counts.
pub fn value(v: f64, unit: &str) -> String {
    if unit == "count" {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// Welsh "and" before a number written in digits: "ac" where the number, read aloud, starts
/// with a vowel sound (un, wyth, and the decimal "un deg …" and "wyth deg …" forms), else "a".
pub fn cy_and_before(n: usize) -> &'static str {
    // The first word of the number read aloud, decimal style: 1 "un", 8 "wyth", 11–19
    // "un deg …", 80–89 "wyth deg …", 800–899 "wyth cant …"; 100 "cant", 1000 "mil".
    let mut lead = n;
    while lead >= 1000 {
        lead /= 1000;
    }
    let vowel = match lead {
        1 | 8 => true,
        10 => false,
        11..=19 | 80..=89 | 800..=899 => true,
        _ => false,
    };
    // Thousands read "… mil": the lead group decides only when it is not a bare "mil".
    let vowel = vowel && !(n >= 1000 && lead == 1);
    if vowel {
        "ac"
    } else {
        "a"
    }
}

/// "A", "A and B", "A, B and C"; in Welsh "a", or "ac" before a vowel.
pub fn list(names: &[&str], lang: Lang) -> String {
    match names {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [rest @ .., last] => {
            let and = match lang {
                Lang::En => "and",
                Lang::Cy if last.starts_with(|c: char| "AEIOUWYaeiouwy".contains(c)) => "ac",
                Lang::Cy => "a",
            };
            format!("{} {and} {last}", rest.join(", "))
        }
    }
}

fn names(list: &[Named]) -> Vec<&str> {
    list.iter().map(|n| n.name.as_str()).collect()
}

/// Sentences naming a board's clusters that differ significantly from Wales and from the
/// board, and its highest and lowest, for one indicator.
pub fn board_sentences(f: &BoardFinding, title: &str, lang: Lang) -> Vec<String> {
    let mut out = Vec::new();
    let groups = [
        (
            &f.higher_than_wales,
            "significantly higher than Wales",
            "sylweddol uwch na Chymru",
        ),
        (
            &f.lower_than_wales,
            "significantly lower than Wales",
            "sylweddol is na Chymru",
        ),
        (
            &f.higher_than_board,
            "significantly higher than the health board",
            "sylweddol uwch na'r bwrdd iechyd",
        ),
        (
            &f.lower_than_board,
            "significantly lower than the health board",
            "sylweddol is na'r bwrdd iechyd",
        ),
    ];
    for (group, en, cy) in groups {
        if group.is_empty() {
            continue;
        }
        let who = list(&names(group), lang);
        out.push(match lang {
            Lang::En => format!("{who} {} {en} for {title}.", is_are(group.len())),
            Lang::Cy => format!("Mae {who} yn {cy} ar gyfer {title}."),
        });
    }
    if let (Some(hi), Some(lo)) = (&f.highest, &f.lowest) {
        if hi.code != lo.code {
            out.push(match lang {
                Lang::En => format!("Highest: {}; lowest: {}.", hi.name, lo.name),
                Lang::Cy => format!("Uchaf: {}; isaf: {}.", hi.name, lo.name),
            });
        }
    }
    out
}

/// How many indicators a tally sentence names before "and N more": all of them up to
/// `NAMED_IN_FULL`, else the first `NAMED_BEFORE_MORE`.
const NAMED_IN_FULL: usize = 4;
const NAMED_BEFORE_MORE: usize = 3;

/// The indicators a tally names: all of a short list, else the first few and "and N more"
/// ("a N arall", "ac N arall" before a vowel sound).
pub fn named_indicators(titles: &[String], lang: Lang) -> String {
    let titles: Vec<&str> = titles.iter().map(String::as_str).collect();
    if titles.len() <= NAMED_IN_FULL {
        return list(&titles, lang);
    }
    let more = titles.len() - NAMED_BEFORE_MORE;
    let named = titles[..NAMED_BEFORE_MORE].join(", ");
    match lang {
        Lang::En => format!("{named} and {more} more"),
        Lang::Cy => format!("{named} {} {more} arall", cy_and_before(more)),
    }
}

/// "Cluster X is significantly higher than Wales on 7 of 12 tested health indicators: A, B,
/// C and 4 more." for each cluster that is higher (or lower) on any, most first; health
/// indicators and demographic context are tallied in sentences of their own, the context
/// ones after all the health ones.
pub fn tally_sentences(tallies: &[Tally], lang: Lang) -> Vec<String> {
    let sentence = |t: &Tally, titles: &[String], en: &str, cy: &str| {
        let n = titles.len();
        let (what_en, what_cy) = match (t.topic, t.tested == 1) {
            (Topic::Health, true) => ("health indicator", "dangosydd iechyd"),
            (Topic::Health, false) => ("health indicators", "dangosydd iechyd"),
            (Topic::Context, true) => ("context measure", "mesur cyd-destun"),
            (Topic::Context, false) => ("context measures", "mesur cyd-destun"),
        };
        let named = named_indicators(titles, lang);
        match lang {
            Lang::En => format!(
                "{} is significantly {en} than Wales on {n} of {} tested {what_en}: {named}.",
                t.name, t.tested
            ),
            Lang::Cy => format!(
                "Mae {} yn sylweddol {cy} na Chymru ar {n} o'r {} {what_cy} a brofwyd: {named}.",
                t.name, t.tested
            ),
        }
    };
    let mut out = Vec::new();
    for topic in [Topic::Health, Topic::Context] {
        let of_topic = tallies.iter().filter(|t| t.topic == topic);
        let mut higher: Vec<&Tally> = of_topic.clone().filter(|t| !t.higher.is_empty()).collect();
        higher.sort_by(|a, b| {
            b.higher
                .len()
                .cmp(&a.higher.len())
                .then(a.name.cmp(&b.name))
        });
        let mut lower: Vec<&Tally> = of_topic.filter(|t| !t.lower.is_empty()).collect();
        lower.sort_by(|a, b| b.lower.len().cmp(&a.lower.len()).then(a.name.cmp(&b.name)));
        out.extend(
            higher
                .iter()
                .map(|t| sentence(t, &t.higher, "higher", "uwch")),
        );
        out.extend(lower.iter().map(|t| sentence(t, &t.lower, "lower", "is")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn welsh_and_before_numbers() {
        // "ac un", "ac wyth", "ac un deg un", "ac wyth deg"; "a dau", "a deg", "a chant".
        for n in [1, 8, 11, 18, 19, 80, 88, 800] {
            assert_eq!(cy_and_before(n), "ac", "{n}");
        }
        for n in [0, 2, 3, 5, 7, 9, 10, 20, 21, 63, 100, 1000] {
            assert_eq!(cy_and_before(n), "a", "{n}");
        }
    }

    #[test]
    fn plurals_and_lists() {
        assert_eq!(is_are(1), "is");
        assert_eq!(is_are(0), "are");
        assert_eq!(list(&["A"], Lang::En), "A");
        assert_eq!(list(&["A", "B", "C"], Lang::En), "A, B and C");
        assert_eq!(list(&["Bangor", "Arfon"], Lang::Cy), "Bangor ac Arfon");
        assert_eq!(list(&["Arfon", "Bangor"], Lang::Cy), "Arfon a Bangor");
    }

    #[test]
    fn sentences_name_clusters_with_the_right_verb() {
        let named = |n: &str| Named {
            code: n.to_lowercase(),
            name: n.to_owned(),
            value: 1.0,
        };
        let f = BoardFinding {
            higher_than_wales: vec![named("Arfon")],
            lower_than_wales: vec![named("Bangor"), named("Conwy")],
            highest: Some(named("Arfon")),
            lowest: Some(named("Conwy")),
            ..BoardFinding::default()
        };
        let s = board_sentences(&f, "COPD", Lang::En);
        assert_eq!(s[0], "Arfon is significantly higher than Wales for COPD.");
        assert_eq!(
            s[1],
            "Bangor and Conwy are significantly lower than Wales for COPD."
        );
        assert_eq!(s[2], "Highest: Arfon; lowest: Conwy.");
        let titles = |n: usize| (1..=n).map(|i| format!("I{i}")).collect::<Vec<_>>();
        let t = Tally {
            code: "x".into(),
            name: "Arfon".into(),
            topic: Topic::Health,
            tested: 12,
            higher: titles(7),
            lower: vec![],
        };
        let context = Tally {
            topic: Topic::Context,
            tested: 2,
            higher: vec!["Residents aged 0 to 15".into()],
            ..t.clone()
        };
        assert_eq!(
            tally_sentences(&[context.clone(), t.clone()], Lang::En),
            [
                "Arfon is significantly higher than Wales on 7 of 12 tested health indicators: I1, I2, I3 and 4 more.",
                "Arfon is significantly higher than Wales on 1 of 2 tested context measures: Residents aged 0 to 15.",
            ]
        );
        assert_eq!(
            tally_sentences(&[t], Lang::Cy),
            ["Mae Arfon yn sylweddol uwch na Chymru ar 7 o'r 12 dangosydd iechyd a brofwyd: I1, I2, I3 a 4 arall."]
        );
        assert_eq!(named_indicators(&titles(4), Lang::En), "I1, I2, I3 and I4");
        assert_eq!(
            named_indicators(&titles(11), Lang::Cy),
            "I1, I2, I3 ac 8 arall"
        );
    }
}
