-- Shared by the person-level month sources (rolls, residents): before a month's rows are judged, how
-- each commune code they carry is read. The month's rows arrive as Parquet files of normalised,
-- pseudonymised rows ($pending, one per raw file, written by ingestion) and are streamed, never copied
-- into a table; the lookups made here are small (the commune codes of the vintages, a few thousand
-- rows). Codes are resolved in the vintage in force on the snapshot date ($period); a code of an
-- earlier vintage (a pre-reform code in a post-reform month) is mapped through the crosswalk when its
-- link is whole. Leaves the variables month_period and month_pending and the temp tables
-- month_vintages, month_declared (declared vintage dates) and month_code_lookup, and the temp view
-- month_rows_located, read by the source's rules file (sql/staging/stg_<source>.sql).
set variable month_period = $period;

set variable month_pending = $pending;

create or replace temp table month_vintages as
select distinct vintage from ref.admin_units;

-- The vintage a declared `vintage` date falls in (a handful of distinct values per month).
create or replace temp table month_declared as
with declared as (
    select distinct pending.vintage_declared
    from read_parquet(getvariable('month_pending')) as pending
    where pending.vintage_declared is not null
)

select
    declared.vintage_declared,
    max(month_vintages.vintage) as declared_vintage
from declared
inner join month_vintages on declared.vintage_declared >= month_vintages.vintage
group by declared.vintage_declared;

-- One row per (declared vintage, commune code) that can be read: the vintage the code is read in and,
-- when that is earlier than the period's, where its crosswalk link leads. declared_vintage is
-- 0001-01-01 for rows without a declared vintage. Codes missing here are unknown.
create or replace temp table month_code_lookup as
with period_vintage as (
    select max(vintage) as vintage from month_vintages
    where vintage <= getvariable('month_period')
),

communes as (
    select
        vintage,
        code
    from ref.admin_units
    where level = 'commune'
),

-- Where a code is unknown in the period's vintage: the latest earlier vintage that has it.
undeclared as (
    select
        communes.code,
        max(communes.vintage) as code_vintage
    from communes
    cross join period_vintage
    where communes.vintage <= period_vintage.vintage
    group by communes.code
),

readable as (
    select
        date '0001-01-01' as declared_vintage,
        code,
        code_vintage
    from undeclared
    union all
    select
        vintage as declared_vintage,
        code,
        vintage as code_vintage
    from communes
),

links as (
    select
        from_vintage,
        from_code,
        to_vintage,
        any_value(to_code) as to_code,
        count(*) > 1 or bool_or(is_partial) as is_split
    from ref.admin_crosswalk
    where from_level = 'commune'
    group by from_vintage, from_code, to_vintage
)

select
    readable.declared_vintage,
    readable.code,
    readable.code_vintage,
    period_vintage.vintage as period_vintage,
    links.to_code as mapped_code,
    links.is_split
from readable
cross join period_vintage
left join links
    on
        readable.code_vintage = links.from_vintage
        and readable.code = links.from_code
        and period_vintage.vintage = links.to_vintage;

-- Every pending row with how its commune code reads (code_known false: unknown in every vintage).
create or replace temp view month_rows_located as
select
    pending.*,
    lookup.code is not null as code_known,
    lookup.code_vintage,
    lookup.period_vintage,
    lookup.mapped_code,
    lookup.is_split
from read_parquet(getvariable('month_pending')) as pending
left join month_declared
    on pending.vintage_declared = month_declared.vintage_declared
left join month_code_lookup as lookup
    on
        coalesce(month_declared.declared_vintage, date '0001-01-01') = lookup.declared_vintage
        and pending.commune_code = lookup.code;
