"""One customer's overage: read it, see the options, change it, and its history.

Every route first finds the customer and checks the caller may see it (:mod:`.auth`); then the
overage service does the work. The state answers carry the service's ``ETag``; a change honours
``If-Match`` (412 when stale) and ``Idempotency-Key`` (:mod:`.idempotency`), and answers 200 with
what changed, or 202 when Microsoft accepted it but does not show it yet.
"""
from typing import Optional

from connect.eaas.core.decorators import router
from fastapi import Depends, Header, Path, Query, Request

from connect_ext.api import presenters
from connect_ext.api.audience import audience_of, error_for
from connect_ext.api.auth import (
    VisibleCustomers,
    actor_name,
    get_caller,
    may_change,
    require_may_change,
)
from connect_ext.api.dependencies import (
    get_overage_service,
    get_settings,
    get_store,
    get_visible_customers,
)
from connect_ext.api.handlers import error_headers, pattern_mismatch, validation_error
from connect_ext.api.idempotency import (
    IDEMPOTENCY_KEY_PATTERN,
    Answer,
    checked_key,
    fingerprint,
    run_once,
)
from connect_ext.api.preconditions import IfMatch, parse_if_match
from connect_ext.api.responses import (
    content_range,
    error_responses,
    header_doc,
    json_answer,
    model_answer,
)
from connect_ext.api.schemas import (
    ChangeResultBody,
    HistoryPage,
    OverageChangeRequest,
    OverageOptionsBody,
    OverageStateBody,
)
from connect_ext.api.views.customers import MAX_LIMIT, MAX_OFFSET
from connect_ext.compat import dump, fields_set, schema_extra
from connect_ext.config import Settings
from connect_ext.errors.error import OverageError
from connect_ext.overage.facts import Caller
from connect_ext.service.overage import OverageService
from connect_ext.service.results import OverageState
from connect_ext.store import Store
from connect_ext.vocabulary import OWNER, UNCONFIRMED, is_guid


_ETAG = header_doc('ETag', "The state's entity tag; send it back as If-Match with a change.")
_CUSTOMER_ID = Path(..., description='The Connect customer account id (TA-...).')
_READ_ERRORS = error_responses(404, 409, 422, 429, 502, 503, 504)


def if_match_value(value: Optional[str]) -> Optional[IfMatch]:
    """The precondition of an ``If-Match`` field (RFC 9110, see :mod:`..preconditions`)."""
    return parse_if_match(value)


def change_answer(
    service: OverageService,
    customer,
    caller: Caller,
    change: OverageChangeRequest,
    if_match: Optional[str],
    actor: Optional[str],
) -> Answer:
    """Run the change; its answer (success or public error) as status, body and headers."""
    try:
        if change.create_azure_subscription:
            result = service.create_azure_subscription(
                customer, caller, if_match=if_match, actor_name=actor,
            )
        elif change.azure_subscription_id:
            result = service.enable(
                customer, caller, change.azure_subscription_id, if_match=if_match, actor_name=actor,
            )
        else:
            result = service.disable(customer, caller, if_match=if_match, actor_name=actor)
    except OverageError as error:
        error = error_for(error, audience_of(caller))
        return Answer(error.http_status, error.to_body(), error_headers(error))
    status = 202 if result.outcome == UNCONFIRMED else 200
    # The body is saved for Idempotency-Key replays as this plain JSON (see .idempotency).
    body = presenters.change_result_body(
        result, creates=bool(change.create_azure_subscription), audience=audience_of(caller),
    )
    return Answer(status, dump(body), {'ETag': result.state.etag})


def require_one_target(change: OverageChangeRequest) -> None:
    """The body names the Azure subscription (null: disable) or asks Microsoft to create one, never
    both and never neither: a body without either must not mean "disable"."""
    given = fields_set(change)
    if change.create_azure_subscription and 'azure_subscription_id' in given:
        raise validation_error([{
            'loc': ('body', 'azure_subscription_id'), 'type': 'value_error',
            'msg': 'leave azure_subscription_id out when create_azure_subscription is true',
        }])
    if not change.create_azure_subscription and 'azure_subscription_id' not in given:
        raise validation_error([{
            'loc': ('body', 'azure_subscription_id'), 'type': 'value_error.missing',
            'msg': 'field required (a GUID, null to disable, or create_azure_subscription true)',
        }])


def require_whole_guid(change: OverageChangeRequest) -> None:
    """The body's GUID matched in full: pydantic 1 checks the pattern with ``re.match``, whose ``$``
    lets a final newline through; refused exactly as any other non-GUID, before anything is read."""
    value = change.azure_subscription_id
    if value is not None and not is_guid(value):
        raise pattern_mismatch(('body', 'azure_subscription_id'), 'not a GUID')


def state_answer(state: OverageState, caller: Caller, settings: Settings):
    """The state, with what this caller may do with it, and its ETag."""
    body = presenters.state_body(
        state, can_change=may_change(caller, settings), audience=audience_of(caller),
    )
    return model_answer(body, headers={'ETag': state.etag})


def read_for(caller: Caller, read):
    """``read()``, its public error in the words of the caller's audience."""
    try:
        return read()
    except OverageError as error:
        raise error_for(error, audience_of(caller)) from error


class OverageWebAppMixin:
    @router.get(
        '/customers/{customer_id}/overage',
        summary="The customer's overage as Microsoft shows it now, with every prerequisite finding",
        response_model=None,
        responses={
            200: {'model': OverageStateBody, 'description': 'The state.', 'headers': _ETAG},
            **_READ_ERRORS,
        },
    )
    def get_customer_overage(
        self,
        customer_id: str = _CUSTOMER_ID,
        caller: Caller = Depends(get_caller),
        customers: VisibleCustomers = Depends(get_visible_customers),
        service: OverageService = Depends(get_overage_service),
        settings: Settings = Depends(get_settings),
    ):
        customer = customers.customer(customer_id)
        return state_answer(read_for(caller, lambda: service.state(customer, caller)), caller, settings)

    @router.get(
        '/customers/{customer_id}/overage/options',
        summary='The Azure plans and Azure subscriptions that may receive the overage',
        response_model=None,
        responses={
            200: {'model': OverageOptionsBody, 'description': 'The options.', 'headers': _ETAG},
            **_READ_ERRORS,
        },
    )
    def get_customer_overage_options(
        self,
        customer_id: str = _CUSTOMER_ID,
        caller: Caller = Depends(get_caller),
        customers: VisibleCustomers = Depends(get_visible_customers),
        service: OverageService = Depends(get_overage_service),
        settings: Settings = Depends(get_settings),
    ):
        customer = customers.customer(customer_id)
        options = read_for(caller, lambda: service.options(customer, caller))
        return model_answer(
            presenters.options_body(options, settings, audience_of(caller)),
            headers={'ETag': options.state.etag},
        )

    @router.put(
        '/customers/{customer_id}/overage',
        summary='Enable or move the overage to an Azure subscription (or one Microsoft creates), '
                'or disable it (null)',
        response_model=None,
        responses={
            200: {
                'model': ChangeResultBody,
                'description': 'Done (or nothing to do): the state after the change.',
                'headers': _ETAG,
            },
            202: {
                'model': ChangeResultBody,
                'description': 'Microsoft accepted the change but does not show it yet.',
                'headers': _ETAG,
            },
            **error_responses(404, 409, 412, 422, 429, 502, 503, 504, body=True),
        },
    )
    def put_customer_overage(
        self,
        request: Request,
        change: OverageChangeRequest,
        customer_id: str = _CUSTOMER_ID,
        if_match: Optional[str] = Header(
            None, description='The ETag the change is based on; 412 when the state moved since.',
        ),
        idempotency_key: Optional[str] = Header(
            None,
            description=(
                'Makes a retried request a no-op that answers the first answer: 1 to 255 visible '
                'ASCII characters (a UUID, say), one per change; see docs/api.md.'
            ),
            **schema_extra(pattern=IDEMPOTENCY_KEY_PATTERN, minLength=1, maxLength=255),
        ),
        caller: Caller = Depends(get_caller),
        actor: Optional[str] = Depends(actor_name),
        customers: VisibleCustomers = Depends(get_visible_customers),
        service: OverageService = Depends(get_overage_service),
        store: Store = Depends(get_store),
        settings: Settings = Depends(get_settings),
    ):
        key = checked_key(idempotency_key)
        require_one_target(change)
        require_whole_guid(change)
        customer = customers.customer(customer_id)
        require_may_change(caller, settings)
        answer, _replayed = run_once(
            store,
            scope=f'{caller.role}:{caller.account_id}:PUT /customers/{customer.customer_id}/overage',
            key=key,
            request_fingerprint=fingerprint(
                'PUT', request.url.path, {
                    'azure_subscription_id': change.azure_subscription_id,
                    # Only when asked, so a stored answer of an earlier request still matches.
                    **({'create_azure_subscription': True} if change.create_azure_subscription else {}),
                },
            ),
            lock_id=customer.customer_id,
            run=lambda: change_answer(
                service, customer, caller, change, if_match_value(if_match), actor,
            ),
        )
        return json_answer(answer.body, status_code=answer.status_code, headers=answer.headers)

    @router.get(
        '/customers/{customer_id}/overage/history',
        summary="The audit trail of the customer's overage, newest first",
        response_model=None,
        responses={
            200: {
                'model': HistoryPage,
                'description': 'One page of audit entries.',
                'headers': header_doc('Content-Range', 'items <first>-<last>/<total>, as Connect'),
            },
            # 502/503: Connect, asked who the customer is or whether the reseller sees it, failed.
            **error_responses(404, 422, 502, 503),
        },
    )
    def get_customer_overage_history(
        self,
        customer_id: str = _CUSTOMER_ID,
        limit: int = Query(50, ge=1, le=MAX_LIMIT),
        offset: int = Query(0, ge=0, le=MAX_OFFSET),
        caller: Caller = Depends(get_caller),
        customers: VisibleCustomers = Depends(get_visible_customers),
        service: OverageService = Depends(get_overage_service),
    ):
        customer = customers.customer(customer_id)
        page = service.history(customer, caller, limit=limit, offset=offset)
        return model_answer(
            presenters.history_page(page, limit=limit, offset=offset, owner=caller.role == OWNER,
                                    audience=audience_of(caller)),
            headers={'Content-Range': content_range(offset, len(page.items), page.total)},
        )

    @router.get(
        '/assets/{asset_id}/overage',
        summary="The overage of the customer of a Connect subscription (AS-...)",
        response_model=None,
        responses={
            200: {'model': OverageStateBody, 'description': 'The state.', 'headers': _ETAG},
            **_READ_ERRORS,
        },
    )
    def get_asset_overage(
        self,
        asset_id: str = Path(..., description='The Connect subscription (asset) id (AS-...).'),
        caller: Caller = Depends(get_caller),
        customers: VisibleCustomers = Depends(get_visible_customers),
        service: OverageService = Depends(get_overage_service),
        settings: Settings = Depends(get_settings),
    ):
        customer = customers.asset_customer(asset_id)
        return state_answer(read_for(caller, lambda: service.state(customer, caller)), caller, settings)
