-- One export of named outreach lists, in the audit table (counts only).
insert into ref.outreach_exports (
    exported_at, period, commune_code, village, list, villages, persons, os_user, output_dir, key_fingerprint
)
values (
    now(),
    $period,
    $commune_code,
    $village,
    $list,
    $villages,
    $persons,
    $os_user,
    $output_dir,
    $key_fingerprint
);
