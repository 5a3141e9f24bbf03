-- The raw files behind the latest publication (path relative to raw/, SHA-256), read by the file sensor
-- from the published warehouse: what the pipeline has already ingested and published, so that a sensor
-- starting on a built data dir does not run the same deliveries again.
with latest as (
    select input_files
    from ref.publications
    order by publication_id desc
    limit 1
),

files as (
    select unnest(input_files) as input_file
    from latest
)

select
    input_file.source_file,
    input_file.sha256
from files
