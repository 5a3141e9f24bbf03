-- The raw files of one register month ($partition_key) as ingested, with their SHA-256: the outreach
-- command reads a file again only when it is still the one the persons were found in.
select
    source_file,
    file_sha256
from staging.ingested_files
where source = 'residents' and partition_key = $partition_key
