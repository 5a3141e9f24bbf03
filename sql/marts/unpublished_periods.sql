-- Periods whose marts changed in the working database since the last publication: publication replaces
-- exactly these in a copy of the published warehouse (incremental), then forgets them. A run that built
-- marts but failed before publishing leaves its periods here for the next publication.
create schema if not exists publication;

create table if not exists publication.unpublished_periods (
    period date not null
);

-- Without a key (a DuckLake table cannot have one), a period already listed is left out by the query.
insert into publication.unpublished_periods (period)
select $period::date as period
where
    $period::date is not null
    and $period::date not in (select listed.period from publication.unpublished_periods as listed);
