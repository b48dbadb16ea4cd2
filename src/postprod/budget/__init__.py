"""The budget engine: money in Decimal, budget versions computed, the cost report and its forecast.

A pure library, like planning/ and qc/: no database, no web framework. `money` reads and rounds
amounts; `sheet` computes a version (lines, fringes, percentage lines, currencies, roll-ups);
`report` makes the cost report (actual, committed, ETC, EFC, variance); `charts` reads the charts
of accounts kept as data (`charts/*.yaml`).
"""
