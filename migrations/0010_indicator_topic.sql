-- What an indicator describes: `health` (a disease register, a rate of illness or death) or
-- `context` (who lives in the area: population, age structure, deprivation). The summary's
-- narrative tallies and names the two apart (issue 26).
alter table atlas.indicator
    add column topic text not null default 'health' check (topic in ('health', 'context'));
