"""Calibration: derive a reference set from a provider's own clustering history, and validate it.

`simulate` draws histories from a known grid set (to prove the method), `history` reads and
checks real ones, `counts` tallies ratings per cluster and row (one core or Dask), `derive`
turns the tallies into grids with confidence intervals and provenance, `validate` measures how
well reference sets agree with the clinicians' choices, and `report` writes JSON and HTML.
"""
