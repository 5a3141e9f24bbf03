-- Roll rows of one month whose pre-reform commune code was mapped through a whole crosswalk link.
select count(*) as n_remapped
from staging.rolls
where period = $period and code_remapped
