"""Read a deployment's Dagster instance (DAGSTER_HOME, PostgreSQL) from outside the test process,
as an operator would: ``python -m tests.distributed.probes WHAT RUN_ID`` (WHAT: step_pids,
step_attempts or run_status); prints JSON about that run."""

from __future__ import annotations

import json
import sys

import dagster as dg

ATTEMPT_ENDS = (
    dg.DagsterEventType.STEP_SUCCESS,
    dg.DagsterEventType.STEP_FAILURE,
    dg.DagsterEventType.STEP_START,
)


def main(what: str, run_id: str) -> dict:
    instance = dg.DagsterInstance.get()
    run = instance.get_run_by_id(run_id)
    events = [record.dagster_event for record in instance.all_logs(run.run_id) if record.dagster_event]
    starts = [e for e in events if e.event_type == dg.DagsterEventType.STEP_START]
    if what == "step_pids":
        # Which processes ran the steps, and which one coordinated the run.
        coordinator = next(e.pid for e in events if e.event_type == dg.DagsterEventType.RUN_START)
        pids = sorted({e.pid for e in starts})
        return {"steps": len(starts), "coordinator": coordinator, "step_pids": pids}
    if what == "step_attempts":
        # Each attempt of each step: when it started, and when it ended (its success or failure, or
        # the next start of the same step when its process was killed).
        attempts = []
        records = [r for r in instance.all_logs(run.run_id) if r.dagster_event]
        for position, record in enumerate(records):
            event = record.dagster_event
            if event.event_type != dg.DagsterEventType.STEP_START:
                continue
            end = next(
                (
                    later.timestamp
                    for later in records[position + 1 :]
                    if later.dagster_event.step_key == event.step_key
                    and later.dagster_event.event_type in ATTEMPT_ENDS
                ),
                None,
            )
            attempts.append({"step": event.step_key, "start": record.timestamp, "end": end})
        return {"attempts": attempts}
    # The run's status, and for each step the processes it started in (more than one: it ran again).
    started: dict[str, list[int]] = {}
    for event in starts:
        started.setdefault(event.step_key, []).append(event.pid)
    return {"status": run.status.value, "started": started}


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:])))
