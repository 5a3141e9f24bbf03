-- The periods the published warehouse holds on one boundary (the report's default is the latest).
select list(distinct period order by period) as periods
from marts.coverage
where boundary = $boundary;
