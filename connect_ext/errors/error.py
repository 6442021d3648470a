"""The public error of the overage domain: what every failed call of the web API answers.

An :class:`OverageError` is built from a catalogue code (:meth:`OverageError.from_code`), so its
message, reason, action and HTTP status always match ``docs/errors.md``. The web layer turns it into
``{"error": {code, message, reason, action, details}}`` with :meth:`OverageError.to_body`, answers
``http_status``, and adds ``Retry-After`` when ``retry_after`` is set.

Its texts and details may quote upstream words (Microsoft's description, a Connect error): they are
redacted as the error is built (:mod:`connect_ext.redaction`), so no answer, audit entry, webhook,
note or log made from it carries a secret.
"""
import math
from typing import Any, Dict, Optional, Sequence

from connect_ext.errors import catalogue
from connect_ext.redaction import redact


class OverageError(Exception):
    def __init__(
        self,
        code: str,
        message: str,
        reason: str,
        action: str,
        http_status: int,
        details: Optional[Dict[str, Any]] = None,
        retry_after: Optional[float] = None,
    ):
        message, reason, action = redact(message), redact(reason), redact(action)
        super().__init__(f'{code}: {message}')
        self.code = code
        self.message = message
        self.reason = reason
        self.action = action
        self.http_status = http_status
        self.details: Dict[str, Any] = redact(dict(details or {}))
        self.retry_after = retry_after

    @classmethod
    def from_code(
        cls,
        code: str,
        details: Optional[Dict[str, Any]] = None,
        *,
        retry_after: Optional[float] = None,
        **params: Any,
    ) -> 'OverageError':
        """The error of catalogue ``code``, its texts filled from ``params``.

        ``details`` defaults to the params themselves, so automation finds the same values the
        sentences quote; ``details.settings`` lists the variables the entry is about (the texts
        never name one), for whoever configures the extension. Only codes with an HTTP status can
        be errors: a warning or info code is a programming error here (``ValueError``), as is a
        code missing from the catalogue (``KeyError``).
        """
        item = catalogue.entry(code)
        if item.http_status is None:
            raise ValueError(f'{code} is a {item.severity} finding, not an error')
        texts = catalogue.render_entry(code, params)
        if details is None:
            details = {name: value for name, value in params.items() if value is not None}
        if item.settings:
            details = {**details, 'settings': list(item.settings)}
        return cls(
            code, texts.message, texts.reason, texts.action, item.http_status,
            details=details, retry_after=retry_after,
        )

    @classmethod
    def from_finding(cls, finding: Any, findings: Optional[Sequence[Any]] = None) -> 'OverageError':
        """The error for a blocking prerequisite finding (``prerequisites.Finding``).

        ``details`` holds the finding's params and, under ``findings``, every finding given (all
        that block the change), so the user sees everything to fix, not only the first thing.
        """
        details: Dict[str, Any] = dict(finding.params)
        if findings:
            details['findings'] = [item.to_dict() for item in findings]
        return cls.from_code(finding.code, details=details, **finding.params)

    @property
    def transient(self) -> bool:
        """A later retry may succeed with nothing changed (throttling, Microsoft down)."""
        item = catalogue.CATALOGUE.get(self.code)
        return bool(item and item.transient)

    @property
    def retry_after_seconds(self) -> Optional[int]:
        """``retry_after`` rounded up to whole seconds, as the ``Retry-After`` header wants it."""
        if self.retry_after is None:
            return None
        return max(0, math.ceil(self.retry_after))

    def to_body(self) -> Dict[str, Any]:
        return {'error': {
            'code': self.code,
            'message': self.message,
            'reason': self.reason,
            'action': self.action,
            'details': self.details,
        }}

    def __repr__(self) -> str:
        return f'OverageError({self.code!r}, http_status={self.http_status})'
