-- Indicator values at LSOA level (the WIMD 2019 underlying indicators, and any LSOA-level
-- table a user loads): the level check gains 'lsoa'.
alter table atlas.indicator_value drop constraint indicator_value_level_check;
alter table atlas.indicator_value add constraint indicator_value_level_check
    check (level in ('wales', 'health_board', 'cluster', 'lsoa'));
