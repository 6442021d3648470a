"""What the life of a handover request tells: one notice per step, for the webhook.

``overage.handover.requested`` (asked), ``.released`` (Microsoft shows the holder let go; when the
request enables, the change's own ``overage.enable.<outcome>`` follows), ``.cancelled`` and
``.expired``. The notifier builds the body from it in one place
(:func:`connect_ext.notifications.events.handover_event`).
"""
from dataclasses import dataclass
from typing import Any

from connect_ext.overage.facts import CustomerRef
from connect_ext.store.records import HandoverRecord


@dataclass(frozen=True)
class HandoverNotice:
    """One step of a handover request (``event``: the vocabulary's ``HANDOVER_EVENTS``), audited as
    ``audit_id``; ``request`` is the request as that step left it."""

    customer: CustomerRef
    event: str
    audit_id: Any
    request: HandoverRecord
