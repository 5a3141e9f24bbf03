-- In a lake: a register month's rows go; see delete_roll_month_rows.sql.
delete from staging.residents_months
where period = $period;
