"""Running by itself: the job, the nightly schedule, and the sensor that picks up new deliveries."""

from pathlib import Path

import dagster as dg

from assets.marts import MART_KEYS, UNPARTITIONED_INPUTS
from assets.publication import published_warehouse
from assets.reference import ADMIN_CROSSWALK_KEY, ADMIN_UNITS_KEY, BHYT_OBJECT_CODES_KEY
from assets.staging import RAW_INVENTORY_KEY, RESIDENTS_KEY, ROLLS_KEY
from pipeline.months import shift_month
from pipeline.partitions import MONTHLY
from pipeline.runner import month_range_tags
from pipeline.sensing import Cursor, detect_changes, published_contents
from pipeline.settings import DataPaths

# A change in a yearly source or the reference data: rebuild everything downstream except the monthly
# person-level sources (re-reading every roll month would be the costliest part and nothing there
# changed).
EVERYTHING_BUT_ROLLS = [
    ADMIN_UNITS_KEY,
    ADMIN_CROSSWALK_KEY,
    BHYT_OBJECT_CODES_KEY,
    *UNPARTITIONED_INPUTS,
    RAW_INVENTORY_KEY,
    *MART_KEYS.values(),
    published_warehouse.key,
]

# Every asset; monthly ones run over the partition range given by the run's tags (one run per range).
pipeline_job = dg.define_asset_job(
    "pipeline_job",
    selection=dg.AssetSelection.all(),
    description="Reference data, staging, marts and publication; monthly assets over a range of months.",
)


# A backfill on a deployment whose workers share a lake (docs/deployment.md) comes in three parts: the
# reference data, which judging a month reads; the person-level months, one run per month, which the
# workers ingest at the same time (pool "person_months"); then one run of everything else over the
# whole range, the marts reading the months just stored. (A month's marts also read the months before
# it: built in one run after every month is in, they are the same as the embedded default's.)
reference_job = dg.define_asset_job(
    "reference_job",
    selection=[ADMIN_UNITS_KEY, ADMIN_CROSSWALK_KEY, BHYT_OBJECT_CODES_KEY],
    description="The reference data (units of both boundary vintages, crosswalk, BHYT object codes), with "
    "their checks: what ingesting a month reads.",
)
person_months_job = dg.define_asset_job(
    "person_months_job",
    selection=dg.AssetSelection.assets(ROLLS_KEY, RESIDENTS_KEY),
    partitions_def=MONTHLY,
    description="The rolls and resident registers of one month, with their checks: one run per month, "
    "several at once on workers that share a lake.",
)
build_from_stored_months_job = dg.define_asset_job(
    "build_from_stored_months_job",
    selection=EVERYTHING_BUT_ROLLS,
    description="Everything but the person-level months, over a range of months: reference data, yearly "
    "sources, marts and publication, from the months already stored.",
)


def months_affected_by(month: str, source: str = "rolls", raw: Path | None = None) -> tuple[str, str]:
    """A roll month feeds its own marts, the next month's retention, the outreach of the three after
    it that have a resident register under ``raw`` (lapsed cards), and, for December, the new
    participants of every month of the next year. A register month feeds its own month's outreach
    only. (Months without a register are not rebuilt for outreach: at national scale a month's marts
    take minutes.)"""
    if source != "rolls":
        return month, month
    after = 1
    if raw is not None:
        registers = [k for k in (1, 2, 3) if (raw / "residents" / shift_month(month, k)).is_dir()]
        after = max([after, *registers])
    last = shift_month(month, 12 if month.endswith("-12") else after)
    return month, min(last, MONTHLY.get_last_partition_key())


@dg.schedule(
    job=pipeline_job,
    cron_schedule="30 1 * * *",
    execution_timezone="Asia/Ho_Chi_Minh",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Nightly at 01:30 (Hanoi time): the current month, and the previous one again for late "
    "corrections, in one run that ends with publication.",
)
def nightly_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    current = context.scheduled_execution_time.strftime("%Y-%m")
    # Calendar arithmetic, not a lookup in today's partitions: the schedule may evaluate any date.
    months = (max(shift_month(current, -1), MONTHLY.get_first_partition_key()), current)
    return dg.RunRequest(
        run_key=None,
        tags={**month_range_tags(months), "pipeline/trigger": "schedule"},
    )


@dg.sensor(
    job=pipeline_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Watches raw/: a new, changed or removed roll or register month runs that month's "
    "partitions (and the ones that depend on it); a change in another source reruns everything but "
    "the rolls and "
    "registers. Files must be unchanged across two ticks before they count (a delivery still being "
    "copied is skipped), and a group's bytes are hashed again only when its listing changed. Each "
    "content change runs once, with a run key of its own (a month going back to an earlier content "
    "runs again); a delivery the pipeline has already ingested and published (ref.publications) is "
    "not run when the sensor first sees it.",
)
def raw_files_sensor(context: dg.SensorEvaluationContext):
    # Not the warehouse resource: setting it up takes the run lock, and a sensor only reads raw/ and
    # the published warehouse (read-only, as analysts do: never a lock a run would wait for).
    paths = DataPaths.from_env()
    detection = detect_changes(
        paths.raw, Cursor.load(context.cursor), lambda: published_contents(paths.warehouse)
    )
    if detection.already_published:
        context.log.info(f"already ingested and published, not run: {', '.join(detection.already_published)}")
    if detection.waiting:
        context.log.warning(
            f"publication record unreadable ({detection.ledger_error}); new groups wait for the next "
            f"tick: {', '.join(detection.waiting)}"
        )
    elif detection.ledger_error:
        context.log.warning(f"publication record still unreadable ({detection.ledger_error}): running anyway")
    changes = detection.changes
    requests = []
    for change in changes:
        if change.month and change.month in MONTHLY.get_partition_keys():
            months = months_affected_by(change.month, change.source, paths.raw)
            requests.append(
                dg.RunRequest(
                    run_key=change.run_key,
                    tags={**month_range_tags(months), "pipeline/trigger": "sensor"},
                )
            )
    table_changes = [c for c in changes if not c.month]
    if table_changes:
        keys = MONTHLY.get_partition_keys()
        requests.append(
            dg.RunRequest(
                run_key=";".join(c.run_key for c in table_changes),
                asset_selection=EVERYTHING_BUT_ROLLS,
                tags={**month_range_tags((keys[0], keys[-1])), "pipeline/trigger": "sensor"},
            )
        )
    context.update_cursor(detection.cursor.dump())
    if not requests:
        return dg.SkipReason("no stable change under raw/")
    return requests


# Publication alone, for the sensor below (and for publishing from the UI in one click).
publish_job = dg.define_asset_job(
    "publish_job",
    selection=[published_warehouse.key],
    description="Publish the warehouse from the working database (refused when the marts' latest blocking "
    "checks failed).",
)


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    request_job=publish_job,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Publication is part of every build of the marts: a successful run that built marts without "
    "publishing them (a backfill of the marts launched from the UI) is followed by a publication run.",
)
def publish_after_marts_sensor(context: dg.RunStatusSensorContext):
    run = context.dagster_run
    materialized = {
        record.event_log_entry.dagster_event.asset_key
        for record in context.instance.get_records_for_run(
            run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION
        ).records
    }
    if materialized & set(MART_KEYS.values()) and published_warehouse.key not in materialized:
        return dg.RunRequest(run_key=f"publish-after:{run.run_id}", tags={"pipeline/trigger": "marts_built"})
    return dg.SkipReason("nothing built that is not published")
