"""Helpers any test (or benchmark) can use to run the simulator; no pytest dependency.

    with running_simulator(rules=[faults.throttle(0.1, times=1)]) as sim:
        client = PartnerCenterClient(sim.settings(DISTRIBUTOR_TENANT_ID))
        ...
        assert sim.calls.matching('PUT', '/overage')[0].status == 429

``sim.settings(partner)`` gives a :class:`PartnerCenterSettings` pointing at the simulator, with
that partner's app credentials and (unless ``app_only``) an Admin Agent refresh token.
"""
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator, Optional, Union

from connect_ext.config import PartnerCenterSettings
from sandbox.partner_center.demo import demo_world
from sandbox.partner_center.faults import CallLog, Faults
from sandbox.partner_center.server import SimulatorServer
from sandbox.partner_center.world import Partner, World


class FakeClock:
    """A monotonic clock moved by hand; ``sleep`` advances it (give it to client and faults)."""

    def __init__(self, start: float = 1000.0):
        self.now = start
        self.slept = []

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.advance(seconds)


@dataclass
class SimulatorHandle:
    server: SimulatorServer

    @property
    def api_url(self) -> str:
        return self.server.api_url

    @property
    def login_url(self) -> str:
        return self.server.login_url

    @property
    def ca_bundle(self) -> str:
        return self.server.ca_bundle

    @property
    def world(self) -> World:
        return self.server.world

    @property
    def faults(self) -> Faults:
        return self.server.faults

    @property
    def calls(self) -> CallLog:
        return self.server.calls

    def settings(self, partner: Union[Partner, str, None] = None, *,
                 refresh_token: Optional[str] = None, app_only: bool = False,
                 **overrides: Any) -> PartnerCenterSettings:
        """Settings for ``partner`` (default: the first partner of the world).

        The refresh token is ``refresh_token`` if given, else the partner's first Admin Agent's
        (app-only when ``app_only`` or when the partner has no user). ``overrides`` go to
        :class:`PartnerCenterSettings` (``read_timeout``, ``max_attempts``, …).
        """
        with self.world.lock:
            if partner is None:
                found = next(iter(self.world.partners.values()))
            else:
                key = partner.tenant_id if isinstance(partner, Partner) else str(partner).lower()
                found = self.world.partners[key]
            client_id, client_secret = next(iter(found.apps.items()), ('', ''))
            if refresh_token is None and not app_only:
                admins = [t for t, user in found.users.items() if user.admin_agent and user.mfa]
                refresh_token = admins[0] if admins else ''
        values = {
            'api_url': self.api_url, 'login_url': self.login_url, 'tenant_id': found.tenant_id,
            'client_id': client_id, 'client_secret': client_secret,
            'refresh_token': '' if app_only else (refresh_token or ''),
            'ca_bundle': self.ca_bundle,
        }
        values.update(overrides)
        return PartnerCenterSettings(**values)

    def reset(self) -> None:
        """Back to the world the server started with; no faults, an empty call log."""
        self.world.reset()
        self.faults.clear()
        self.calls.clear()


@contextmanager
def running_simulator(world: Optional[World] = None, *, host: str = '127.0.0.1',
                      **faults: Any) -> Iterator[SimulatorHandle]:
    """A started simulator over ``world`` (default: the demo world); ``faults`` go to
    :class:`Faults` (``rules=``, ``rate_limit=``, ``seed=``, ``clock=``)."""
    server = SimulatorServer(world if world is not None else demo_world(), Faults(**faults),
                             host=host)
    with server:
        yield SimulatorHandle(server)
