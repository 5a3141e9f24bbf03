"""Dagster definitions of the coverage pipeline, loaded by ``pipeline/definitions.py``.

One module per domain: ``reference`` (administrative units and crosswalk), ``publication``.
"""
