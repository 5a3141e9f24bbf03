"""Great Expectations on the staged sources: ``suites.py`` (the suites, as data) and ``runner.py``
(validation with GX Core); the ``gx_*`` asset checks that run them are in ``assets/quality.py``.

Two layers guard staging (docs/data-quality.md):
- the row rules of ``sql/staging/*.sql`` judge every row in DuckDB and quarantine what breaks the raw
  contract: exhaustive, whatever the size of the roll;
- the suites here are the second line: GX Core validates small pandas frames that DuckDB computes
  (``sql/quality/*.sql``): per-commune aggregates and a bounded, hash-ordered sample for the rolls, the
  unit-level tables whole for the other sources. Nothing person-level larger than the sample reaches
  pandas, and no frame carries a person key or a source row.

Each source has an ERROR suite (data that must stop the marts) and a WARN suite (suspicious but
publishable). Suites are plain data: GX (≈4 s to import) is imported only when a suite is validated.
"""
