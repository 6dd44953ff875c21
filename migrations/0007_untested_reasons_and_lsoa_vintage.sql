-- Method: why an indicator is never tested, and the LSOA vintage of each value.
-- The LSOA vintage an indicator value was built from (2011 or 2021 LSOAs; null where the
-- value was supplied for the area as a whole), so that a trend tests a change only between
-- periods on the same geography.
alter table atlas.indicator_value
    add column lsoa_vintage smallint check (lsoa_vintage in (2011, 2021));

-- Why an indicator is never tested gains the reasons that are about method, not missing
-- counts: a complete count (nothing was sampled), a count, and weighted means of LSOA rates.
alter table atlas.indicator drop constraint indicator_untested_reason_check;
alter table atlas.indicator add constraint indicator_untested_reason_check
    check (untested_reason in ('no_counts', 'age_restricted', 'complete_count', 'is_count',
        'weighted_by_population', 'weighted_by_births'));
