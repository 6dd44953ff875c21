//! DRAFT Welsh titles for the bundled indicators, shown where the catalogue publishes no
//! Welsh title. They were written without a Welsh speaker and NEED REVIEW BY A WELSH
//! SPEAKER before publication; every place that shows one says so ("Teitl Cymraeg
//! drafft"), as the interface's other Welsh drafts do. A Welsh title in the catalogue CSV
//! (`title_cy`) always wins over these.

/// (indicator id, draft Welsh title).
const DRAFT_TITLES_CY: &[(&str, &str)] = &[
    ("asthma", "Cyffredinrwydd asthma"),
    ("atrial_fibrillation", "Cyffredinrwydd ffibriliad atrïaidd"),
    ("cancer", "Cyffredinrwydd canser"),
    (
        "chd",
        "Cyffredinrwydd atal eilaidd clefyd coronaidd y galon",
    ),
    (
        "copd",
        "Cyffredinrwydd clefyd rhwystrol cronig yr ysgyfaint",
    ),
    ("dementia", "Cyffredinrwydd dementia"),
    (
        "diabetes_17plus",
        "Cyffredinrwydd diabetes mellitus (cleifion 17 oed a throsodd)",
    ),
    (
        "epilepsy_18plus",
        "Cyffredinrwydd epilepsi (cleifion 18 oed a throsodd)",
    ),
    ("heart_failure", "Cyffredinrwydd methiant y galon"),
    ("hypertension", "Cyffredinrwydd gorbwysedd"),
    ("learning_disability", "Cyffredinrwydd anabledd dysgu"),
    ("mental_health", "Cyffredinrwydd iechyd meddwl"),
    (
        "obesity_16plus",
        "Cyffredinrwydd gordewdra (cleifion 16 oed a throsodd)",
    ),
    (
        "osteoporosis_50plus",
        "Cyffredinrwydd osteoporosis (cleifion 50 oed a throsodd)",
    ),
    ("palliative_care", "Cyffredinrwydd gofal lliniarol"),
    (
        "rheumatoid_arthritis_16plus",
        "Cyffredinrwydd arthritis gwynegol (cleifion 16 oed a throsodd)",
    ),
    (
        "stroke_tia",
        "Cyffredinrwydd strôc a phyliau o isgemia dros dro",
    ),
    (
        "patients_most_deprived_20pct",
        "Cleifion sy’n byw yn yr 20% o ACEHI mwyaf difreintiedig",
    ),
    (
        "lsoas_most_deprived_20pct",
        "ACEHI yn yr 20% mwyaf difreintiedig (MALlC 2019)",
    ),
    ("population", "Poblogaeth (amcangyfrif canol blwyddyn ONS)"),
    ("pct_aged_0_15", "Trigolion 0 i 15 oed"),
    ("pct_aged_65_plus", "Trigolion 65 oed a throsodd"),
    ("pct_aged_85_plus", "Trigolion 85 oed a throsodd"),
    (
        "pct_residents_wimd_q1",
        "Trigolion yn yr 20% mwyaf difreintiedig (MALlC 2019)",
    ),
    (
        "pct_residents_wimd2025_q1",
        "Trigolion yn yr 20% mwyaf difreintiedig (MALlC 2025)",
    ),
    (
        "lsoas_most_deprived_20pct_wimd2025",
        "ACEHI yn yr 20% mwyaf difreintiedig (MALlC 2025)",
    ),
    (
        "wimd_premature_death_rate",
        "Cyfradd marwolaethau cynamserol (MALlC 2019)",
    ),
    ("wimd_low_birth_weight_pct", "Pwysau geni isel (MALlC 2019)"),
    (
        "wimd_cancer_incidence_rate",
        "Cyfradd achosion canser (MALlC 2019)",
    ),
    (
        "wimd_chronic_condition_rate",
        "Cyflyrau cronig a gofnodwyd gan feddygon teulu (MALlC 2019)",
    ),
    (
        "wimd_mental_health_rate",
        "Cyflyrau iechyd meddwl a gofnodwyd gan feddygon teulu (MALlC 2019)",
    ),
    ("wimd_llti_rate", "Salwch hirdymor cyfyngus (MALlC 2019)"),
    (
        "wimd_income_deprivation_pct",
        "Amddifadedd incwm (MALlC 2019)",
    ),
    (
        "wimd_employment_deprivation_pct",
        "Amddifadedd cyflogaeth (MALlC 2019)",
    ),
];

/// The draft Welsh title of an indicator, if there is one.
pub fn draft_title_cy(id: &str) -> Option<&'static str> {
    DRAFT_TITLES_CY
        .iter()
        .find(|(i, _)| *i == id)
        .map(|(_, t)| *t)
}

/// The note that goes with a draft title, in Welsh.
pub const DRAFT_TITLE_NOTE_CY: &str =
    "Teitl Cymraeg drafft (ni chyhoeddwyd teitl Cymraeg); mae angen ei adolygu gan siaradwr Cymraeg.";

#[cfg(test)]
mod tests {
    #[test]
    fn ids_are_unique_and_titles_differ_from_english_words() {
        let mut ids: Vec<_> = super::DRAFT_TITLES_CY.iter().map(|(i, _)| *i).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), super::DRAFT_TITLES_CY.len());
        assert!(super::draft_title_cy("copd")
            .unwrap()
            .starts_with("Cyffredinrwydd"));
        assert!(super::draft_title_cy("nope").is_none());
    }
}
