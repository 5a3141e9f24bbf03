-- Rows accepted per raw file, and pre-reform codes remapped, counted in the month's written Parquet
-- file ($output) itself: the ledger's accepted side is what is stored, never derived from the rules.
select
    source_file,
    count(*) as accepted,
    count(*) filter (where code_remapped) as remapped
from read_parquet($output)
group by source_file;
