-- Rows quarantined per rule, and rows accepted (rule NULL), for one source and partition.
select
    rule,
    count(*) as n_rows
from staging.quarantine
where source = $source and partition_key = $partition_key
group by rule
union all
select
    null as rule,
    coalesce(sum(accepted), 0) as n_rows
from staging.row_ledger
where source = $source and partition_key = $partition_key
