-- The raw files this publication is built from (staging.ingested_files of the working database), in a
-- temp table that the publication record reads while the new warehouse is the default database.
create or replace temp table publication_inputs as
select
    source_file,
    file_sha256,
    rows_read
from staging.ingested_files;
