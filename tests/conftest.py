"""Fixtures every test package shares: one Partner Center simulator per session, reset per test.

A package that needs a different world (tests/simulator) defines its own ``running_sim``.
"""
import pytest

from sandbox.partner_center import demo
from sandbox.partner_center.testing import running_simulator


@pytest.fixture(scope='session')
def running_sim():
    """The simulator over the demo world, started once: starting it costs a TLS server and a CA."""
    with running_simulator(demo.demo_world()) as handle:
        yield handle


@pytest.fixture
def sim(running_sim):
    """The session's simulator, back to its demo world, with no faults and an empty call log."""
    running_sim.reset()
    return running_sim
