"""What tests and benchmarks share: builders, fakes, constants and runs (never shipped).

Tests (``tests/``) and benchmarks (``benchmarks/``) take their support from here and never from
each other; testkit imports neither. One module per concept:

- :mod:`testkit.clock`: the fake clocks (seconds moved by ``sleep``; the store's datetimes).
- :mod:`testkit.world`: the benchmark-sized worlds of both simulators, numbered customers and
  their store rows.
- :mod:`testkit.simulators`: the real Partner Center client on a running simulator, and a
  running Connect simulator.
- :mod:`testkit.servers`: local HTTP servers (an app under uvicorn, a webhook receiver).
- :mod:`testkit.stores` and :mod:`testkit.databases`: migrated SQLite templates and temporary
  stores; the store tests' backends (SQLite, PostgreSQL).
- :mod:`testkit.services`: the overage service, the events application and the web app as the
  tests and benchmarks build them, with the tests' named service variants.
- :mod:`testkit.callers` and :mod:`testkit.customers`: who calls the web API, and the Connect
  customers the API tests' store is seeded with.
- :mod:`testkit.web_api`: the web API's test client with the caller as a keyword.
- :mod:`testkit.fake_connect` and :mod:`testkit.connect_requests`: Connect's conversations
  faked over HTTP, and the request payloads of ``tests/data/requests``.
- :mod:`testkit.partner_center_mock` and :mod:`testkit.microsoft_payloads`: Partner Center and
  Entra behind ``responses`` (URLs, credentials, tokens) and Microsoft's documented payloads.
- :mod:`testkit.security`: the log capture and the search for leaked secrets.
- :mod:`testkit.reliability` and :mod:`testkit.event_fuzz`: the reliability runs (operations
  under faults, redelivered events, fuzzed event payloads) the benchmark and the tests share.
- :mod:`testkit.browser`: the browser tests' Chromium gate and page helpers.
"""
