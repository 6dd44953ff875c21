-- Issue 13: 99.8% intervals and flags beside the 95% ones (OHID and PHW publish both),
-- indicator value types beyond proportions, and why an indicator is not tested.

-- value_type: how intervals are made. 'proportion' (Wilson from counts), 'crude_rate'
-- (Byar's, or exact Poisson under 10 events, from counts), 'dsr' and 'supplied' (the
-- published interval as given). untested_reason: why an indicator has no intervals, when
-- the catalogue knows ('no_counts', or 'age_restricted': the register's denominator, an
-- age-restricted population, is not published).
alter table atlas.indicator
    add column value_type text not null default 'proportion'
        check (value_type in ('proportion', 'crude_rate', 'dsr', 'supplied')),
    add column untested_reason text
        check (untested_reason in ('no_counts', 'age_restricted'));

alter table atlas.indicator_value
    add column lower_ci_998 double precision,
    add column upper_ci_998 double precision,
    add column sig_vs_wales_998 text not null default 'not_tested'
        check (sig_vs_wales_998 in ('higher', 'similar', 'lower', 'not_tested')),
    add column sig_vs_hb_998 text not null default 'not_tested'
        check (sig_vs_hb_998 in ('higher', 'similar', 'lower', 'not_tested')),
    add check ((lower_ci_998 is null) = (upper_ci_998 is null)),
    add check (lower_ci_998 is null or (lower_ci_998 <= value and value <= upper_ci_998));

-- Crude rates' intervals are Byar's or exact Poisson.
alter table atlas.indicator_value drop constraint indicator_value_ci_method_check;
alter table atlas.indicator_value add constraint indicator_value_ci_method_check
    check (ci_method in ('wilson', 'supplied', 'byars', 'exact_poisson'));
