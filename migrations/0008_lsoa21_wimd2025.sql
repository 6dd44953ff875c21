-- The 2021 LSOAs (ONS December 2021, the vintage the official cluster geography is built on)
-- with WIMD 2025, the current index: overall rank, decile and quintile only (WIMD 2025's
-- domain ranks were not available; the domains stay on WIMD 2019 and 2011 LSOAs). The WIMD
-- columns have the same names as atlas.lsoa's, so one deprivation style draws either.
-- pwc: the ONS population-weighted centroid, which places the LSOA in a cluster polygon.
create table atlas.lsoa21 (
    fid integer not null unique,
    code text primary key,
    name_en text not null,
    name_cy text not null,
    name_cy_fallback boolean not null,
    name_wimd text not null,
    la_name_en text not null,
    hb_code text not null references atlas.health_board (code),
    cluster_code text not null references atlas.cluster (code),
    cluster_provenance text not null,
    wimd_rank integer not null,
    wimd_decile smallint not null check (wimd_decile between 1 and 10),
    wimd_quintile smallint not null check (wimd_quintile between 1 and 5),
    pwc geometry(Point, 3857) not null,
    geom geometry(MultiPolygon, 3857) not null,
    geom_z7 geometry(MultiPolygon, 3857),
    geom_z6 geometry(MultiPolygon, 3857),
    geom_z4 geometry(MultiPolygon, 3857)
);

create index on atlas.lsoa21 using gist (geom);
create index on atlas.lsoa21 using gist (geom_z7);
create index on atlas.lsoa21 using gist (geom_z6);
create index on atlas.lsoa21 using gist (geom_z4);
create index on atlas.lsoa21 (cluster_code);
create index on atlas.lsoa21 (hb_code);

-- Residents by deprivation quintile, per index: WIMD 2019 on 2011 LSOAs (mid-2019, mid-2020)
-- and WIMD 2025 on 2021 LSOAs (mid-2024).
alter table atlas.area_population_deprivation
    add column wimd text not null default 'wimd2019' check (wimd in ('wimd2019', 'wimd2025'));
alter table atlas.area_population_deprivation drop constraint area_population_deprivation_pkey;
alter table atlas.area_population_deprivation
    add primary key (level, area_code, period, wimd, quintile);

-- Each cluster's and board's 2021 LSOAs by WIMD 2025 quintile, beside the 2019 profile.
alter table atlas.cluster
    add column lsoa21_count integer,
    add column wimd2025_q1_lsoas integer, add column wimd2025_q2_lsoas integer,
    add column wimd2025_q3_lsoas integer, add column wimd2025_q4_lsoas integer,
    add column wimd2025_q5_lsoas integer;
alter table atlas.health_board
    add column lsoa21_count integer,
    add column wimd2025_q1_lsoas integer, add column wimd2025_q2_lsoas integer,
    add column wimd2025_q3_lsoas integer, add column wimd2025_q4_lsoas integer,
    add column wimd2025_q5_lsoas integer;
