-- Remove one period from every mart (a period without data keeps no rows from an earlier delivery).
delete from marts.coverage
where period = $period;

delete from marts.plan_attainment
where period = $period;

delete from marts.bhyt_groups
where period = $period;

delete from marts.retention
where period = $period;

delete from marts.completeness
where period = $period;

delete from marts.projection
where period = $period;

delete from marts.outreach
where period = $period;
