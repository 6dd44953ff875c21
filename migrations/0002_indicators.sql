-- Indicator catalogue and values, with confidence limits and significance flags.
create table atlas.indicator (
    id text primary key check (id ~ '^[a-z][a-z0-9_]{0,63}$'),
    title_en text not null,
    title_cy text not null,
    -- true when title_cy is only the English title, because no Welsh text is published
    title_cy_fallback boolean not null,
    description_en text not null,
    description_cy text not null,
    description_cy_fallback boolean not null,
    unit text not null check (unit in ('%', 'per 1,000', 'per 100,000', 'count')),
    polarity text not null check (polarity in ('higher_is_worse', 'higher_is_better', 'neutral')),
    source text not null,
    licence text not null,
    sort_order integer not null
);

create table atlas.indicator_value (
    indicator_id text not null references atlas.indicator (id) on delete cascade,
    period text not null check (period ~ '^[A-Za-z0-9_.-]{1,32}$'),
    level text not null check (level in ('wales', 'health_board', 'cluster')),
    area_code text not null,
    value double precision not null,
    numerator double precision,
    denominator double precision,
    lower_ci double precision,
    upper_ci double precision,
    -- 'wilson' (computed here from numerator and denominator), 'supplied' (from the input)
    ci_method text check (ci_method in ('wilson', 'supplied')),
    sig_vs_wales text not null default 'not_tested'
        check (sig_vs_wales in ('higher', 'similar', 'lower', 'not_tested')),
    sig_vs_hb text not null default 'not_tested'
        check (sig_vs_hb in ('higher', 'similar', 'lower', 'not_tested')),
    primary key (indicator_id, period, level, area_code),
    check ((lower_ci is null) = (upper_ci is null)),
    check (lower_ci is null or (lower_ci <= value and value <= upper_ci))
);

-- Compares an area's 95% confidence interval with a comparator's value, the way PHW's
-- and OHID's profile tools do: significantly higher when the whole interval lies above
-- it, lower when below, similar when it straddles it, and not tested without an interval.
create function atlas.compare_to(lower_ci double precision, upper_ci double precision, comparator double precision)
returns text language sql immutable as $$
    select case
        when lower_ci is null or upper_ci is null or comparator is null then 'not_tested'
        when lower_ci > comparator then 'higher'
        when upper_ci < comparator then 'lower'
        else 'similar'
    end
$$;
