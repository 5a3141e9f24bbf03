"""The code location: every definition under ``assets/``, bound to its resources."""

from pathlib import Path

import dagster as dg

from pipeline.resources import WarehouseResource, pseudonym_key_resource

defs = dg.Definitions.merge(
    dg.load_from_defs_folder(path_within_project=Path(__file__).parent),
    dg.Definitions(
        resources={"warehouse": WarehouseResource(), "pseudonym_key": pseudonym_key_resource()},
        # One process per run: the working DuckDB file admits a single writer process, and the
        # in-process executor starts a run in ~3.5 s where the multiprocess one takes ~12 s.
        executor=dg.in_process_executor,
    ),
)
