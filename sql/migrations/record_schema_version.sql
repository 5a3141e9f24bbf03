-- A migration (or a new working database) has brought the layout to $version.
insert into staging.schema_version (version)
values ($version);
