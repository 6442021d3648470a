"""``python -m sandbox [--port 8080] [--host 127.0.0.1]``: the sandbox in the foreground.

Prints the URL to open and the simulators' addresses, and stops cleanly on Ctrl-C or SIGTERM.
No Connect or Microsoft account is needed: nothing leaves localhost.
"""
import argparse
import logging
import signal
import sys
from typing import List, Optional

from sandbox.partner_center.world import lag_argument
from sandbox.server import SANDBOX_LAG, SandboxServer


DEFAULT_DATA_DIR = '.sandbox'


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog='python -m sandbox',
        description='Run the Overage Manager with simulated Connect and Partner Center.',
    )
    parser.add_argument('--host', default='127.0.0.1', help='interface to listen on')
    parser.add_argument('--port', type=int, default=8080, help='port of the portal (0: free)')
    parser.add_argument('--pc-port', type=int, default=0,
                        help='port of the Partner Center simulator (https; 0: free)')
    parser.add_argument('--data-dir', default=DEFAULT_DATA_DIR,
                        help='where the store and the local CA live (replaced on each start)')
    parser.add_argument('--lag', type=lag_argument, default=SANDBOX_LAG, metavar='SECONDS[,MAX]',
                        help='how long a change takes to show in Partner Center (default: '
                             f'{SANDBOX_LAG[0]:g},{SANDBOX_LAG[1]:g}, drawn per change; 0: at once)')
    parser.add_argument('--verbose', action='store_true', help='log every HTTP call')
    return parser.parse_args(argv)


def banner(server: SandboxServer) -> str:
    return '\n'.join([
        'Overage Manager sandbox',
        f'  open                {server.url}/',
        f'  web API             {server.url}/api/customers',
        f'  Connect simulator   {server.connect_url}',
        f'  Partner Center sim  {server.pc.api_url}  (CA: {server.pc.ca_bundle})',
        f'  store               {server.variables["DATABASE_URL"]}',
        'Press Ctrl-C to stop.',
    ])


def _stop_on_sigterm(signum, frame):  # pragma: no cover - exercised by a real signal
    raise KeyboardInterrupt


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format='%(asctime)s %(levelname)s %(name)s: %(message)s')
    server = SandboxServer(args.port, args.host, data_dir=args.data_dir, pc_port=args.pc_port,
                           access_log=args.verbose, pc_lag=args.lag)
    try:
        server.start()
    except OSError as error:
        print(f'The sandbox could not start: {error}', file=sys.stderr)  # noqa: T201
        return 1
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    print(banner(server), flush=True)  # noqa: T201
    try:
        server.wait()
    except KeyboardInterrupt:
        print('\nStopping the sandbox...', flush=True)  # noqa: T201
    finally:
        server.stop()
    return 0


if __name__ == '__main__':
    sys.exit(main())
