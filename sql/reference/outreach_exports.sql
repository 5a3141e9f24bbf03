-- ref.outreach_exports: every named outreach list written by `python -m pipeline outreach` (when,
-- which month, commune, village and list, how many persons, by which OS user). No personal data: the
-- lists themselves stay in the restricted folder. It accumulates in the working database and is
-- published with everything else.
create schema if not exists ref;

create table if not exists ref.outreach_exports (
    exported_at timestamptz not null,
    period date not null,
    commune_code varchar not null,
    village varchar,
    list varchar not null,
    villages integer not null,
    persons bigint not null,
    os_user varchar not null,
    output_dir varchar not null,
    key_fingerprint varchar not null
);

-- Comments are single string literals: long lines are expected here.
-- noqa: disable=LT05
comment on table ref.outreach_exports is 'Audit of the named outreach lists (python -m pipeline outreach): one row per export. Counts only; the lists are in <data dir>/restricted/ (owner only).';
comment on column ref.outreach_exports.exported_at is 'When the lists were written (UTC).';
comment on column ref.outreach_exports.period is 'Month end of the register and roll the lists were made from.';
comment on column ref.outreach_exports.commune_code is 'The commune, in the vintage of period.';
comment on column ref.outreach_exports.village is 'The village asked for (--village); NULL for every village of the commune.';
comment on column ref.outreach_exports.list is 'not_covered_bhyt, not_covered_bhxh, lapsed, due_to_renew, or all (every list in one file per village).';
comment on column ref.outreach_exports.villages is 'Files written (one per village).';
comment on column ref.outreach_exports.persons is 'Persons listed over all files.';
comment on column ref.outreach_exports.os_user is 'The operating-system user who ran the command.';
comment on column ref.outreach_exports.output_dir is 'Where the lists were written (relative to the data dir).';
comment on column ref.outreach_exports.key_fingerprint is 'Fingerprint of the pseudonym key used to find the persons again (never the key).';
