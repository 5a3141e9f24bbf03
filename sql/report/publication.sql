-- The latest publication of the warehouse: when, which checks passed and warned, what is quarantined.
select
    published_at,
    run_id,
    len(checks_passed) as checks_passed,
    checks_warned,
    coalesce(rows_quarantined, []) as rows_quarantined,
    coalesce(synthetic, false) as synthetic
from ref.publications
order by publication_id desc
limit 1;
