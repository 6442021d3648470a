"""Where secrets could leak: every log line of the process, captured, and the search for the
secrets the simulated Microsoft and Connect know of in any text."""
import logging
import threading
import uuid
from contextlib import contextmanager
from typing import Dict, Iterator, List, Sequence


class LogCapture(logging.Handler):
    """Every log record of the process, formatted (with its traceback), while installed on the
    root logger at DEBUG: what an operator's log would hold."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines: List[str] = []
        self._lock_lines = threading.Lock()
        self.setFormatter(logging.Formatter('%(levelname)s %(name)s %(message)s'))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)
        except Exception as error:  # noqa: BLE001 - a broken record is itself worth seeing
            text = f'unformattable record {record.msg!r}: {error!r}'
        with self._lock_lines:
            self.lines.append(text)

    @contextmanager
    def installed(self) -> Iterator['LogCapture']:
        root = logging.getLogger()
        level = root.level
        root.addHandler(self)
        root.setLevel(logging.DEBUG)
        try:
            yield self
        finally:
            root.removeHandler(self)
            root.setLevel(level)


def leaked_secrets(secrets: Dict[str, str], texts: Sequence[str]) -> Dict[str, int]:
    """How many of ``texts`` hold each secret (by name); only secrets found are listed."""
    found: Dict[str, int] = {}
    for name, secret in secrets.items():
        if not secret:
            continue
        hits = sum(1 for text in texts if secret in text)
        if hits:
            found[name] = hits
    return found


def new_secret(prefix: str) -> str:
    return f'{prefix}-{uuid.uuid4().hex}'


def world_secrets(world) -> Dict[str, str]:
    """Every credential the simulated Microsoft knows of: app secrets, refresh tokens (also the
    rotated ones) and each access token it issued (its grants; read under its lock)."""
    found: Dict[str, str] = {}
    with world.lock:
        for partner in world.partners.values():
            for client_id, secret in partner.apps.items():
                found[f'client secret of {client_id}'] = secret
            for number, token in enumerate(partner.users):
                found[f'refresh token {number} of {partner.mpn_id}'] = token
        for number, token in enumerate(world._grants):
            found[f'access token {number}'] = token
    return found


def connect_secrets() -> Dict[str, str]:
    """The sandbox distributor's Connect API key (the part after ``ApiKey SU-…:``)."""
    from sandbox import seed

    return {'Connect API key': seed.DISTRIBUTOR_API_KEY.split(':', 1)[-1]}
