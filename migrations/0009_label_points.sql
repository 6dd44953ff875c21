-- One label anchor per cluster and health board: the centre of the largest circle inside the
-- area (its pole of inaccessibility), filled by the loader. Labelling polygons repeats a name
-- once per tile the polygon spans (3-5 times for a board at z6-z8); a point is in one tile.
alter table atlas.cluster add column label_point geometry(Point, 3857);
alter table atlas.health_board add column label_point geometry(Point, 3857);

-- The `labels` tile layer: both kinds of anchor, told apart by `level`. The band columns are
-- the point itself (a point needs no generalising); fids are unique across the two tables.
-- label_en / label_cy: the name a map draws: a board's without "University Health Board"
-- ("Bwrdd Iechyd Prifysgol …"), which four small south-eastern boards cannot all fit at z7.
create view atlas.area_label as
    select fid, code, name_en, name_cy, name_cy_fallback, 'cluster'::text as level, hb_code,
        name_en as label_en, name_cy as label_cy,
        label_point as geom, label_point as geom_z7, label_point as geom_z6, label_point as geom_z4
    from atlas.cluster where label_point is not null
    union all
    select 100000 + fid, code, name_en, name_cy, name_cy_fallback, 'health_board', code,
        regexp_replace(name_en, ' (University |Teaching )?Health Board$', ''),
        regexp_replace(name_cy, '^Bwrdd Iechyd (Prifysgol |Addysgu )?', ''),
        label_point, label_point, label_point, label_point
    from atlas.health_board where label_point is not null;
