"""``python -m sandbox.partner_center --port 8443 --demo``: run the simulator in the foreground.

Prints the URLs and the CA bundle to trust (and, with ``--demo``, the distributor's credentials);
stops cleanly on Ctrl-C or SIGTERM.
"""
import argparse
import contextlib
import signal
import sys
from typing import List, Optional

from sandbox.partner_center import demo
from sandbox.partner_center.faults import Faults, RateLimit, microsoft_rate_limits
from sandbox.partner_center.server import SimulatorServer
from sandbox.partner_center.world import DEFAULT_REFRESH_TOKEN_LIFETIME, World, lag_argument


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog='python -m sandbox.partner_center',
                                     description='Run the Partner Center simulator over TLS.')
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, default=8443, help='0 picks a free port')
    parser.add_argument('--demo', action='store_true', help='seed the demo partners and customers')
    parser.add_argument('--tls-dir', help='where to write ca.pem and the server certificate '
                                          '(default: a new temporary directory)')
    parser.add_argument('--propagation-delay', type=lag_argument, default=0.0, metavar='SECONDS[,MAX]',
                        help='seconds before a written overage state shows in GET; LOW,HIGH: '
                             'each write draws its own lag in that range')
    parser.add_argument('--rate-limit', type=int, default=0,
                        help='one budget of requests per minute per partner tenant on every '
                             'throttled path (0: none)')
    parser.add_argument('--microsoft-limits', action='store_true',
                        help="Partner Center's throttling as documented (docs/conformance.md); "
                             'with --rate-limit, both apply')
    parser.add_argument('--no-mfa-enforcement', action='store_true',
                        help='accept App+User tokens without the MFA claim')
    parser.add_argument('--refresh-token-lifetime', type=_positive, default=DEFAULT_REFRESH_TOKEN_LIFETIME,
                        help='seconds a refresh token lives after it was issued (default: 90 days, as '
                             "Entra's; shorten it to watch tokens die)")
    parser.add_argument('--revoke-rotated-refresh-tokens', action='store_true',
                        help='refuse a refresh token once it was used (stricter than Entra documents)')
    parser.add_argument('--time-scale', type=float, default=1.0,
                        help='how many times faster the rate limiter\'s minute passes')
    parser.add_argument('--seed', type=int, default=0, help='seed of the fault RNG')
    return parser.parse_args(argv)


def _positive(text: str) -> float:
    value = float(text)
    if not value > 0:  # NaN fails this too
        raise argparse.ArgumentTypeError('must be a positive number of seconds')
    return value


def banner(server: SimulatorServer, with_demo: bool) -> str:
    lines = [
        'Partner Center simulator',
        f'  PARTNER_CENTER_API_URL   = {server.api_url}',
        f'  PARTNER_CENTER_LOGIN_URL = {server.login_url}',
        f'  CA bundle (verify=)      = {server.ca_bundle}',
        f'  controls                 = {server.base_url}/_simulator/(faults|calls|world|reset)',
    ]
    if with_demo:
        lines += [
            f'  PARTNER_CENTER_TENANT_ID = {demo.DISTRIBUTOR_TENANT_ID}',
            f'  PARTNER_CENTER_CLIENT_ID = {demo.DISTRIBUTOR_CLIENT_ID}',
            f'  PARTNER_CENTER_CLIENT_SECRET = {demo.DISTRIBUTOR_CLIENT_SECRET}',
            f'  PARTNER_CENTER_REFRESH_TOKEN = {demo.DISTRIBUTOR_REFRESH_TOKEN}',
        ]
    lines.append('Press Ctrl-C to stop.')
    return '\n'.join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    world = demo.demo_world() if args.demo else World()
    world.propagation_delay = args.propagation_delay
    world.enforce_mfa = not args.no_mfa_enforcement
    world.refresh_token_lifetime = args.refresh_token_lifetime
    world.revoke_rotated_refresh_tokens = args.revoke_rotated_refresh_tokens
    rate_limit = RateLimit(args.rate_limit, args.time_scale) if args.rate_limit else None
    limits = microsoft_rate_limits(args.time_scale) if args.microsoft_limits else []
    server = SimulatorServer(world, Faults(rate_limit=rate_limit, rate_limits=limits,
                                           seed=args.seed),
                             host=args.host, port=args.port, tls_dir=args.tls_dir)
    server.prepare()
    print(banner(server, args.demo), flush=True)  # noqa: T201 - the CLI's output
    # uvicorn shuts down gracefully on SIGINT/SIGTERM, then re-raises the signal to the handler
    # in place before it: make both end here as KeyboardInterrupt, caught below.
    signal.signal(signal.SIGTERM, _interrupt)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    print('Partner Center simulator stopped.', flush=True)  # noqa: T201
    return 0


def _interrupt(signum, frame):
    raise KeyboardInterrupt


if __name__ == '__main__':
    sys.exit(main())
