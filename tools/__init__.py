"""Documentation tooling: regenerates the documents derived from the code (never imported at run time).

``python -m tools`` rewrites ``docs/openapi.json`` (what the runner serves), ``docs/api-reference.md``
(from that document) and ``docs/errors.md`` (from the error catalogue); ``python -m tools --check``
only says which of them is stale. The tests fail on a stale document.
"""
