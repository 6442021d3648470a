"""Who reads an answer, and the words and values they get: the one place that decides it.

Partner staff (the distributor, a reseller) read the catalogue's own texts and every value; a
customer on its own home page reads the customer variant of each text (:mod:`connect_ext.errors.
audiences`) and no partner id (the partner that holds the overage, the reseller of a subscription).
The presenters ask :func:`audience_of` with the caller and pass findings and errors through here, so
the state, options and change answers of one caller always speak to the same reader.
"""
from typing import Any, Dict, Iterable, List, Mapping

from connect_ext.errors import catalogue
from connect_ext.errors.error import OverageError
from connect_ext.overage.facts import Caller
from connect_ext.overage.prerequisites import Finding
from connect_ext.vocabulary import AUDIENCE_CUSTOMER, AUDIENCE_PARTNER, BLOCKING, CUSTOMER


# Params (and error details) that name a partner, or the extension's variables (``settings``: for
# whoever configures it): never shown to a customer.
PARTNER_ONLY_PARAMS = frozenset({'current_partner_id', 'partner_id', 'reseller_mpn', 'settings'})


def audience_of(caller: Caller) -> str:
    """A customer caller reads the customer's words; anyone else, the partner staff's."""
    return AUDIENCE_CUSTOMER if caller.role == CUSTOMER else AUDIENCE_PARTNER


def is_customer(audience: str) -> bool:
    return audience == AUDIENCE_CUSTOMER


# What a customer reads of Microsoft's answer (``details.microsoft``): its status and code and the ids
# its provider's support quotes. The description, data and source are Microsoft's words to the
# partner, or the extension's own when it could not even ask (a missing variable's name).
CUSTOMER_MICROSOFT_FIELDS = ('status', 'code', 'correlation_id', 'request_id')


def shown_params(params: Mapping[str, Any], audience: str) -> Dict[str, Any]:
    """The params (or details) ``audience`` may see."""
    if not is_customer(audience):
        return dict(params)
    shown = {name: value for name, value in params.items() if name not in PARTNER_ONLY_PARAMS}
    if isinstance(shown.get('microsoft'), dict):
        shown['microsoft'] = {name: shown['microsoft'].get(name) for name in CUSTOMER_MICROSOFT_FIELDS}
    return shown


def finding_for(finding: Finding, audience: str) -> Finding:
    """``finding`` in the words of ``audience``, with the params it may see."""
    if not is_customer(audience):
        return finding
    return finding.in_words_of(audience, shown_params(finding.params, audience))


def findings_for(findings: Iterable[Finding], audience: str) -> List[Finding]:
    return [finding_for(finding, audience) for finding in findings]


def blocker_orders(findings: Iterable[Finding]) -> List[Any]:
    """Each finding's place among the blocking ones (1: do it first), None for the others; the
    rules already list the blocking findings in the order to work through them."""
    orders: List[Any] = []
    step = 0
    for finding in findings:
        if finding.severity == BLOCKING:
            step += 1
            orders.append(step)
        else:
            orders.append(None)
    return orders


def _finding_dict_for(item: Any, audience: str) -> Any:
    """One finding of an error's ``details.findings`` (a plain dict) in ``audience``'s words."""
    if not isinstance(item, dict) or item.get('code') not in catalogue.CATALOGUE:
        return item
    params = shown_params(item.get('params') or {}, audience)
    texts = catalogue.render_entry(item['code'], params, audience)
    return {**item, 'message': texts.message, 'reason': texts.reason, 'action': texts.action,
            'params': params}


def error_for(error: OverageError, audience: str) -> OverageError:
    """``error`` as ``audience`` reads it: a customer gets the customer variant of its texts, and
    neither its details nor its findings name a partner."""
    if not is_customer(audience):
        return error
    details = shown_params(error.details, audience)
    if isinstance(details.get('findings'), list):
        details['findings'] = [_finding_dict_for(item, audience) for item in details['findings']]
    item = catalogue.CATALOGUE.get(error.code)
    if item is None or item.customer is None:
        return OverageError(
            error.code, error.message, error.reason, error.action, error.http_status,
            details=details, retry_after=error.retry_after,
        )
    microsoft = error.details.get('microsoft') if isinstance(error.details.get('microsoft'), dict) else {}
    params = {
        'microsoft_code': microsoft.get('code'),
        'correlation_id': microsoft.get('correlation_id'),
        **details,
    }
    if error.retry_after_seconds is not None:
        params['retry_after_seconds'] = error.retry_after_seconds
    texts = catalogue.render_entry(error.code, params, audience)
    return OverageError(
        error.code, texts.message, texts.reason, texts.action, error.http_status,
        details=details, retry_after=error.retry_after,
    )
