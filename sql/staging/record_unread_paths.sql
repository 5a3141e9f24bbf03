-- Replace the list of paths under raw/ that no run reads with this survey's ($unread, a frame of
-- path and reason from pipeline.raw_io.survey_raw).
delete from staging.unread_raw_paths;

insert into staging.unread_raw_paths by name
select
    path,
    reason
from unread;
