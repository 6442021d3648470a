"""Connect asset requests with OVG items, and the scheduled overage sync.

``payload`` reads and checks a request, ``notes`` writes the conversation note (pure),
``conversations`` talks to Connect, ``handling`` holds the use-cases, ``pacing`` and ``sync`` the
scheduled re-read of every recorded customer, and ``wiring`` builds all of it from the config.
"""
