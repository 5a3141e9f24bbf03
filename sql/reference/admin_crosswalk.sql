-- ref.admin_crosswalk: how the units of one vintage map onto every later vintage (marts contract).
-- No key or CHECK constraint (a DuckLake table can have neither, docs/deployment.md): the key and the
-- weights' range are guarded by sql/checks/assert_crosswalk_keys.sql.
create schema if not exists ref;

create or replace table ref.admin_crosswalk (
    from_vintage date not null,
    from_level varchar not null,
    from_code varchar not null,
    to_vintage date not null,
    to_code varchar not null,
    weight double not null,
    is_partial boolean not null,
    source varchar not null
);

-- Comments are single string literals: long lines are expected here.
-- noqa: disable=LT05
comment on table ref.admin_crosswalk is 'Links from the units of each vintage to the units of every later vintage. Communes link to communes, districts and provinces to provinces, the nation to itself. Weights of one source sum to 1. See docs/reference-data.md for the apportioning rules.';
comment on column ref.admin_crosswalk.from_vintage is 'Vintage of the source unit.';
comment on column ref.admin_crosswalk.from_level is 'Level of the source unit: commune, district, province or nation.';
comment on column ref.admin_crosswalk.from_code is 'Code of the source unit in from_vintage.';
comment on column ref.admin_crosswalk.to_vintage is 'Vintage of the target unit (any later vintage: chains of reforms are composed).';
comment on column ref.admin_crosswalk.to_code is 'Code of the target unit in to_vintage: same level, or the province for districts.';
comment on column ref.admin_crosswalk.weight is 'Share of the source that goes to the target. A split commune without a crosswalk file gives 1 to the default target of the reference package and 0 to the others; a raw/reference/crosswalk_*.csv file gives population shares.';
comment on column ref.admin_crosswalk.is_partial is 'TRUE when the source unit was split between several targets: figures re-expressed through it are approximate.';
comment on column ref.admin_crosswalk.source is 'Where the links came from: the reference package, crosswalk files, or unchanged codes.';
