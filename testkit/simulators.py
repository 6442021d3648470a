"""The real Partner Center client on a running Partner Center simulator, and a running Connect
simulator. (The Partner Center simulator itself runs with
:func:`sandbox.partner_center.testing.running_simulator`.)"""
import time
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from connect_ext.config import PartnerCenterSettings
from connect_ext.partner_center.client import PartnerCenterClient
from sandbox.partner_center import demo
from testkit.servers import serving


def partner_center_settings(sim, **overrides: Any) -> PartnerCenterSettings:
    """The distributor's App+User settings on the simulator ``sim`` (a SimulatorHandle)."""
    return sim.settings(demo.DISTRIBUTOR_TENANT_ID, **overrides)


def partner_center_client(settings: PartnerCenterSettings, *,
                          sleep: Callable[[float], None] = time.sleep,
                          budget: Any = None) -> PartnerCenterClient:
    """The real client; its tokens come with a 10-second time-out whatever ``settings`` say,
    since the token endpoint is never what a run injects faults into or measures. ``budget``: the
    shared rate budget its rate-limited calls take from (None: unpaced)."""
    from dataclasses import replace

    from connect_ext.partner_center.auth import MsalTokenProvider

    tokens = MsalTokenProvider(replace(settings, read_timeout=max(10.0, settings.read_timeout)))
    return PartnerCenterClient(settings, token_provider=tokens, sleep=sleep, budget=budget)


@contextmanager
def running_connect(world, faults: Any = None, calls: Any = None) -> Iterator[Any]:
    """The Connect simulator over ``world`` (with ``faults``, a ``sandbox.connect.app.Faults``,
    and ``calls``, a ``sandbox.connect.app.CallLog`` that records what it answered) on
    localhost; yields a Connect client of the distributor."""
    from connect.client import ConnectClient
    from starlette.applications import Starlette
    from starlette.routing import Mount

    from sandbox import seed
    from sandbox.connect.app import create_app

    app = Starlette(routes=[Mount('/connect', app=create_app(world, faults, calls))])
    with serving(app) as url:
        yield ConnectClient(seed.DISTRIBUTOR_API_KEY, endpoint=url + '/connect/public/v1',
                            use_specs=False, max_retries=0)


def lagging_microsoft(sim, monkeypatch, lag_seconds: float):
    """The Partner Center simulator on a clock of the test's own, showing each overage write only
    ``lag_seconds`` of that clock later; returns the clock (``advance`` it to let the lag pass)."""
    from testkit.clock import FakeClock

    clock = FakeClock()
    monkeypatch.setattr(sim.world, 'clock', clock)
    sim.world.propagation_delay = lag_seconds
    return clock
