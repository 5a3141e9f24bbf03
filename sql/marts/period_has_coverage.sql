-- Whether marts.coverage holds rows of $period (a period whose projection may need refreshing).
select count(*) > 0 as has_coverage
from marts.coverage
where period = $period
