"""The generator's clean data pass every check: a WARN on them would be the generator's own mistake (or
a check that misreads valid data), and would teach demo users to ignore warnings. Runs the real Dagster
graph on a small demo-like data set: the demo's seed, roll months on both sides of the 2025-07 reform,
aggregates, and the yearly sources of a pre- and a post-reform year."""

from __future__ import annotations

import duckdb
import pytest

from pipeline.generate import GenerateOptions, generate
from pipeline.generate.options import DEMO_OPTIONS
from pipeline.settings import DataPaths

pytestmark = pytest.mark.slow

MONTHS = ("2024-12", "2025-07")
OPTIONS = GenerateOptions(
    scale=0.0005,
    from_month=MONTHS[0],
    to_month=MONTHS[1],
    rolls_from="2025-06",
    seed=DEMO_OPTIONS.seed,
    residents=True,
)


def test_generated_data_raise_no_warnings(tmp_path):
    paths = DataPaths(tmp_path / "data")
    generate(paths, OPTIONS, progress=False)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PIPELINE_DATA_DIR", str(paths.root))
        import dagster as dg

        from pipeline.definitions import defs
        from pipeline.runner import month_range_tags

        job = defs.resolve_job_def("pipeline_job")
        with dg.DagsterInstance.ephemeral() as instance:
            result = job.execute_in_process(
                instance=instance, tags=month_range_tags(MONTHS), raise_on_error=False
            )
    assert result.success
    evaluations = result.get_asset_check_evaluations()
    assert len(evaluations) > 20
    failed = {
        f"{e.asset_key.to_user_string()}:{e.check_name}": e.description for e in evaluations if not e.passed
    }
    assert failed == {}, failed
    # Rates above 100 % are there (NSO publishes them for Huế and Sóc Trăng) and flagged, not warned about.
    with duckdb.connect(str(paths.work_db), read_only=True) as connection:
        flagged = "select count(*) from marts.coverage where coverage_above_100"
        assert connection.execute(flagged).fetchone()[0] > 0
        # The generator's participants live where they are managed: in every commune the register's
        # residents with BHYT are the commune's BHYT participants.
        covered = connection.execute(
            "select o.unit_code, o.residents - o.residents_without_bhyt, c.participants "
            "from marts.outreach as o inner join marts.coverage as c using (period, boundary, unit_code) "
            "where o.period = date '2025-07-31' and o.boundary = 'current' and o.level = 'commune' "
            "and c.level = 'commune' and c.indicator = 'bhyt'"
        ).fetchall()
        assert len(covered) > 1000
        assert [row for row in covered if row[1] != row[2]] == []
