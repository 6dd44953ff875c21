-- Population (issue 7): ONS estimates per LSOA as loaded, and the per-area aggregates
-- built from them in PostGIS at load time.

-- Mid-2019 and mid-2020, persons, on 2011 LSOAs: five-year bands (0-4 ... 85-89, 90+)
-- and the 0-15 count from single years of age.
create table atlas.lsoa_population (
    code text not null references atlas.lsoa (code) on delete cascade,
    period text not null,
    total integer not null check (total >= 0),
    age_0_15 integer not null check (age_0_15 >= 0),
    bands integer[] not null,
    primary key (code, period)
);

-- Mid-2024, sex by broad age, on 2021 LSOAs; cluster and board come from the 2011
-- parents (ONS lookup) as loaded.
create table atlas.lsoa21_population (
    code text not null,
    period text not null,
    parents text[] not null,
    cluster_code text,
    hb_code text,
    total integer not null check (total >= 0),
    female integer[] not null,
    male integer[] not null,
    primary key (code, period)
);

-- Age (and, for 2021 LSOAs, sex) structure per area: level is wales, health_board or
-- cluster; sex is persons, female or male.
create table atlas.area_population (
    level text not null,
    area_code text not null,
    period text not null,
    geography text not null,
    sex text not null,
    band text not null,
    band_order integer not null,
    persons bigint not null,
    primary key (level, area_code, period, sex, band_order)
);

-- Residents by WIMD 2019 quintile of their LSOA (population-weighted deprivation profile).
create table atlas.area_population_deprivation (
    level text not null,
    area_code text not null,
    period text not null,
    quintile integer not null check (quintile between 1 and 5),
    residents bigint not null,
    share_pct double precision not null,
    primary key (level, area_code, period, quintile)
);

alter table atlas.cluster
    add column population integer,
    add column wimd_q1_residents_pct double precision;
alter table atlas.health_board
    add column population integer,
    add column wimd_q1_residents_pct double precision;
