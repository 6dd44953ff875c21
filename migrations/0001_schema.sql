-- cluster-atlas schema: boundaries, WIMD 2019 deprivation and derived cluster geography.
-- All geometry is EPSG:3857 (what tiles need), with pre-generalised copies per zoom band
-- (geom_z4 for z0-4, geom_z7 for z5-7, geom for z8 and deeper); see src/catalog/mod.rs.
create extension if not exists postgis;
create schema if not exists atlas;

-- One row per successful load. The newest row is the data version that the server reports.
create table atlas.data_version (
    version bigint generated always as identity primary key,
    loaded_at timestamptz not null default now(),
    -- the input files, their sizes and hashes, and the loader's options
    inputs jsonb not null,
    -- true while the LSOA -> cluster assignment is a model, not the official lookup
    cluster_approximate boolean not null,
    cluster_provenance text not null,
    lsoa_count integer not null,
    cluster_count integer not null,
    health_board_count integer not null,
    -- Wales extent in EPSG:4326, for TileJSON bounds
    west double precision not null,
    south double precision not null,
    east double precision not null,
    north double precision not null
);

create table atlas.health_board (
    fid integer not null unique,
    code text primary key,
    ods_code text,
    name_en text not null,
    name_cy text not null,
    name_cy_fallback boolean not null,
    lsoa_count integer not null,
    wimd_q1_lsoas integer not null,
    wimd_q2_lsoas integer not null,
    wimd_q3_lsoas integer not null,
    wimd_q4_lsoas integer not null,
    wimd_q5_lsoas integer not null,
    wimd_q1_pct double precision not null,
    wimd_q2_pct double precision not null,
    wimd_q3_pct double precision not null,
    wimd_q4_pct double precision not null,
    wimd_q5_pct double precision not null,
    geom geometry(MultiPolygon, 3857) not null,
    geom_z7 geometry(MultiPolygon, 3857) not null,
    geom_z4 geometry(MultiPolygon, 3857) not null
);

create table atlas.cluster (
    fid integer not null unique,
    code text primary key,
    name_en text not null,
    name_cy text not null,
    name_cy_fallback boolean not null,
    hb_code text not null references atlas.health_board (code),
    provenance text not null,
    approximate boolean not null,
    lsoa_count integer not null,
    wimd_q1_lsoas integer not null,
    wimd_q2_lsoas integer not null,
    wimd_q3_lsoas integer not null,
    wimd_q4_lsoas integer not null,
    wimd_q5_lsoas integer not null,
    wimd_q1_pct double precision not null,
    wimd_q2_pct double precision not null,
    wimd_q3_pct double precision not null,
    wimd_q4_pct double precision not null,
    wimd_q5_pct double precision not null,
    geom geometry(MultiPolygon, 3857) not null,
    geom_z7 geometry(MultiPolygon, 3857) not null,
    geom_z4 geometry(MultiPolygon, 3857) not null
);

create table atlas.lsoa (
    fid integer not null unique,
    code text primary key,
    name_en text not null,
    name_cy text not null,
    name_cy_fallback boolean not null,
    name_wimd text not null,
    la_code text not null,
    la_name_en text not null,
    la_name_cy text not null,
    hb_code text not null references atlas.health_board (code),
    cluster_code text not null references atlas.cluster (code),
    cluster_provenance text not null,
    wimd_rank integer not null,
    wimd_decile smallint not null,
    wimd_quintile smallint not null,
    wimd_quartile smallint not null,
    income_rank integer not null,
    income_decile smallint not null,
    income_quintile smallint not null,
    employment_rank integer not null,
    employment_decile smallint not null,
    employment_quintile smallint not null,
    health_rank integer not null,
    health_decile smallint not null,
    health_quintile smallint not null,
    education_rank integer not null,
    education_decile smallint not null,
    education_quintile smallint not null,
    access_to_services_rank integer not null,
    access_to_services_decile smallint not null,
    access_to_services_quintile smallint not null,
    housing_rank integer not null,
    housing_decile smallint not null,
    housing_quintile smallint not null,
    community_safety_rank integer not null,
    community_safety_decile smallint not null,
    community_safety_quintile smallint not null,
    physical_environment_rank integer not null,
    physical_environment_decile smallint not null,
    physical_environment_quintile smallint not null,
    geom geometry(MultiPolygon, 3857) not null,
    geom_z7 geometry(MultiPolygon, 3857) not null,
    geom_z4 geometry(MultiPolygon, 3857) not null
);

create index on atlas.lsoa using gist (geom);
create index on atlas.lsoa using gist (geom_z7);
create index on atlas.lsoa using gist (geom_z4);
create index on atlas.lsoa (cluster_code);
create index on atlas.lsoa (hb_code);
create index on atlas.cluster using gist (geom);
create index on atlas.cluster using gist (geom_z7);
create index on atlas.cluster using gist (geom_z4);
create index on atlas.health_board using gist (geom);
create index on atlas.health_board using gist (geom_z7);
create index on atlas.health_board using gist (geom_z4);
