-- A z5-6 generalisation band (76 m, half a tile unit at z6), so the full-Wales LSOA tile
-- at z6 stays small. Filled here for data loaded before this migration; the loader fills
-- it from now on (it builds every band listed in src/catalog/mod.rs).
alter table atlas.lsoa add column geom_z6 geometry(MultiPolygon, 3857);
alter table atlas.cluster add column geom_z6 geometry(MultiPolygon, 3857);
alter table atlas.health_board add column geom_z6 geometry(MultiPolygon, 3857);
update atlas.lsoa set geom_z6 = ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_SimplifyPreserveTopology(geom, 76.0)), 3));
update atlas.cluster set geom_z6 = ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_SimplifyPreserveTopology(geom, 76.0)), 3));
update atlas.health_board set geom_z6 = ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_SimplifyPreserveTopology(geom, 76.0)), 3));
create index on atlas.lsoa using gist (geom_z6);
create index on atlas.cluster using gist (geom_z6);
create index on atlas.health_board using gist (geom_z6);
