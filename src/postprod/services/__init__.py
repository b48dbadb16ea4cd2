"""Use cases over the database, one module per concept.

Each function works inside the caller's transaction: it flushes, the interface commits (the CLI's
`db.session_scope`, the API's `http_deps.get_session`, a job's `jobs.runner.execute`). The few that
must not hold a transaction open during long work (planning runs, the QC of a deliverable) open
their own short ones around it. The audit trail needs no call: `model/audit.py` writes it on flush.
"""
