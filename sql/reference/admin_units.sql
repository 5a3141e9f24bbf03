-- ref.admin_units: every unit of every boundary vintage (marts contract). A unit is identified by
-- (vintage, code): province 24 is Bắc Giang before 2025-07-01 and Bắc Ninh after.
-- No key or CHECK constraint (a DuckLake table can have neither, docs/deployment.md): the key and the
-- levels are guarded by sql/checks/assert_admin_unit_keys.sql.
create schema if not exists ref;

create or replace table ref.admin_units (
    vintage date not null,
    valid_to date,
    level varchar not null,
    code varchar not null,
    name varchar not null,
    parent_code varchar,
    province_code varchar,
    source varchar not null,
    latitude double,
    longitude double
);

-- Comments are single string literals: long lines are expected here.
-- noqa: disable=LT05
comment on table ref.admin_units is 'Every administrative unit of every boundary vintage, plus the nation (VN). Identify a unit by (vintage, code): codes are reused across vintages (province 24 is Bắc Giang before 2025-07-01, Bắc Ninh after).';
comment on column ref.admin_units.vintage is 'Effective date of the boundary vintage (2025-07-01 for the reform; 2000-01-01, the earliest supported date, for the pre-reform map).';
comment on column ref.admin_units.valid_to is 'Last day the vintage was in force; NULL for the current vintage.';
comment on column ref.admin_units.level is 'nation, province, district (pre-reform only) or commune.';
comment on column ref.admin_units.code is 'GSO code: province 2 digits, district 3, commune 5, nation VN.';
comment on column ref.admin_units.name is 'Official Vietnamese name with its unit type (e.g. Phường Phúc Xá), Unicode NFC.';
comment on column ref.admin_units.parent_code is 'Code of the containing unit in the same vintage (district or province for communes, nation for provinces).';
comment on column ref.admin_units.province_code is 'Containing province in the same vintage; NULL for the nation.';
comment on column ref.admin_units.source is 'Where the unit list came from: the vietnamadminunits package or a raw/reference/admin_units_*.csv file.';
comment on column ref.admin_units.latitude is 'Latitude of the unit (decimal degrees, WGS 84) from the vietnamadminunits package, or from the latitude column of a raw/reference file; NULL for the nation and where unknown. Drawn on the report map.';
comment on column ref.admin_units.longitude is 'Longitude of the unit (decimal degrees, WGS 84), as latitude.';
