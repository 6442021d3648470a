"""The one Partner Center client: each operation this extension uses, a few lines over the exchange.

The same class talks to Microsoft in production, to the sandbox's simulator, and to ``responses``
in tests. Each public method is one *logical call* (or two sharing a correlation id): it checks
its inputs with :mod:`connect_ext.partner_center.payloads` before any HTTP call, so a malformed
value never reaches Microsoft; runs the call through
:class:`~connect_ext.partner_center.http.PartnerCenterHttp` (ids, retries, logging, paging); and
ends either with a model from :mod:`connect_ext.partner_center.models` or with one
:class:`~connect_ext.partner_center.errors.PartnerCenterError`.
"""
import logging
import random
import time
import uuid
from typing import Any, Callable, Dict, List, Optional

import requests

from connect_ext.config import PartnerCenterSettings
from connect_ext.partner_center.auth import (
    MODE_APP_PLUS_USER,
    MsalTokenProvider,
    TokenProvider,
    mode_of,
)
from connect_ext.partner_center.budget import RateBudget
from connect_ext.partner_center.errors import PartnerCenterError
from connect_ext.partner_center.http import API_PREFIX, PartnerCenterHttp
from connect_ext.partner_center.models import (
    MICROSOFT_CUSTOMER_AGREEMENT,
    AgreementMetadata,
    AzureEntitlement,
    Customer,
    Overage,
    Sku,
    Subscription,
)
from connect_ext.partner_center.payloads import (
    agreement_body,
    collection_page,
    json_object,
    parse_model,
    qualification_names,
    require_catalog_id,
    require_country,
    require_guid,
    require_partner_id,
    resource_group_body,
    segment,
    select_overage_item,
)
from connect_ext.partner_center.refresh_tokens import RefreshTokenKeeper


# Connections kept per host: the service's 16 threads and the events' callers at once, so none is
# thrown away (each new one is a TLS handshake) under load.
POOL_CONNECTIONS = 32


def pooled_session() -> requests.Session:
    """A session whose pool fits the threads that share the client."""
    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=POOL_CONNECTIONS)
    session.mount('https://', adapter)
    session.mount('http://', adapter)
    return session


class PartnerCenterClient:
    """Partner Center's REST API, as this extension uses it (see the module docstring)."""

    def __init__(
        self,
        settings: PartnerCenterSettings,
        *,
        token_provider: Optional[TokenProvider] = None,
        session: Optional[requests.Session] = None,
        sleep: Callable[[float], None] = time.sleep,
        logger: Optional[logging.Logger] = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        rng: Optional[random.Random] = None,
        refresh_tokens: Optional[RefreshTokenKeeper] = None,
        budget: Optional[RateBudget] = None,
    ):
        """``refresh_tokens`` keeps the App+User refresh token in the store across restarts
        (given to the default token provider; ``token_provider`` replaces that provider);
        ``budget`` is the rate budget every rate-limited call takes from (None: unpaced)."""
        self._settings = settings
        self.budget = budget
        session = session or pooled_session()
        tokens = token_provider or MsalTokenProvider(
            settings, session=session, refresh_tokens=refresh_tokens,
        )
        self._http = PartnerCenterHttp(
            settings,
            tokens=tokens,
            session=session,
            sleep=sleep,
            clock=clock,
            wall_clock=wall_clock,
            rng=rng or random.Random(),  # noqa: S311 - jitter, not cryptography
            logger=logger or logging.getLogger(__name__),  # exchanges log under the client's name
            budget=budget,
        )

    # -- public calls ---------------------------------------------------------------------

    def get_overage(
        self, tenant_id: str, *, correlation_id: Optional[str] = None,
    ) -> Optional[Overage]:
        """The customer's ``PhoneServices`` overage assignment, or ``None`` when never set."""
        path = self._overage_path(tenant_id)
        items, _ = self._http.collection('GET', path, correlation_id=correlation_id)
        item = select_overage_item(items)
        return None if item is None else parse_model(Overage, item, 'GET', path)

    def update_overage(
        self,
        tenant_id: str,
        *,
        enabled: bool,
        azure_entitlement_id: Optional[str],
        partner_id: Optional[str] = None,
        request_id: Optional[str] = None,
        correlation_id: Optional[str] = None,
        create: bool = False,
        resource_group: Optional[Dict[str, Any]] = None,
    ) -> Overage:
        """Enable (or move) overage to an Azure subscription, or disable it (``enabled=False``,
        sending the currently assigned entitlement when known). ``partner_id`` is the indirect
        reseller's PartnerID. Pass ``request_id`` to repeat an earlier write under its id.

        ``create=True`` enables overage without naming an Azure subscription, as Microsoft's samples
        do: Microsoft creates one (under the active Azure plan, or with a new no-cost plan), with
        ``resource_group`` (``location``, ``tags``) sent as ``azureResourceGroup``."""
        path = self._overage_path(tenant_id)
        if create:
            if not enabled or azure_entitlement_id is not None:
                raise ValueError('creating an Azure subscription enables overage and names none')
            body: Dict[str, Any] = {'overageEnabled': True}
            if resource_group:
                body['azureResourceGroup'] = resource_group_body(resource_group)
        else:
            if enabled and not azure_entitlement_id:
                raise ValueError('azure_entitlement_id is required to enable overage')
            if azure_entitlement_id is not None:
                require_guid(azure_entitlement_id, 'azure_entitlement_id')
            body = {'azureEntitlementId': azure_entitlement_id, 'overageEnabled': bool(enabled)}
        if partner_id is not None:
            body['partnerId'] = require_partner_id(partner_id)
        payload = self._http.json(
            'PUT', path, body=body, request_id=request_id, correlation_id=correlation_id,
        )
        return parse_model(Overage, json_object(payload, 'PUT', path), 'PUT', path)

    def list_subscriptions(
        self, tenant_id: str, *, correlation_id: Optional[str] = None,
    ) -> List[Subscription]:
        """Every subscription of the customer (all pages)."""
        path = f'{API_PREFIX}/customers/{self._tenant(tenant_id)}/subscriptions'
        return self._http.all_pages(Subscription, path, correlation_id=correlation_id)

    def list_azure_entitlements(
        self,
        tenant_id: str,
        azure_plan_subscription_id: str,
        *,
        correlation_id: Optional[str] = None,
    ) -> List[AzureEntitlement]:
        """The Azure subscriptions under one Azure plan subscription of the customer."""
        plan = segment(require_guid(azure_plan_subscription_id, 'azure_plan_subscription_id'))
        subscriptions = f'{API_PREFIX}/customers/{self._tenant(tenant_id)}/subscriptions'
        path = f'{subscriptions}/{plan}/azureEntitlements'
        return self._http.all_pages(AzureEntitlement, path, correlation_id=correlation_id)

    def get_customer(
        self,
        tenant_id: str,
        *,
        correlation_id: Optional[str] = None,
        include_qualifications: bool = True,
    ) -> Customer:
        """The customer and the names of its qualifications (Education, GovernmentCommunityCloud
        …; none for a plain commercial customer). Both reads share one correlation id.

        ``include_qualifications=False`` reads the customer alone, for callers that read the
        qualifications in parallel with :meth:`get_qualifications`.
        """
        path = f'{API_PREFIX}/customers/{self._tenant(tenant_id)}'
        correlation_id = correlation_id or str(uuid.uuid4())
        payload = self._http.json('GET', path, correlation_id=correlation_id)
        customer = dict(json_object(payload, 'GET', path))
        if include_qualifications:
            customer['qualifications'] = self.get_qualifications(
                tenant_id, correlation_id=correlation_id,
            )
        return parse_model(Customer, customer, 'GET', path)

    def get_qualifications(self, tenant_id: str, *, correlation_id: Optional[str] = None) -> List[str]:
        """The names of the customer's qualifications; a 404 means it has none."""
        path = f'{API_PREFIX}/customers/{self._tenant(tenant_id)}/qualifications'
        try:
            payload = self._http.json('GET', path, correlation_id=correlation_id)
        except PartnerCenterError as error:
            if error.status != 404:
                raise
            payload = []
        return qualification_names(payload)

    def has_customer_agreement(
        self, tenant_id: str, *, agreement_type: str = MICROSOFT_CUSTOMER_AGREEMENT,
        correlation_id: Optional[str] = None,
    ) -> bool:
        """Whether Partner Center holds a confirmed acceptance of ``agreement_type`` by the customer
        (``GET /v1/customers/{id}/agreements?agreementType=``; App+User only)."""
        path = f'{API_PREFIX}/customers/{self._tenant(tenant_id)}/agreements'
        payload = self._http.json(
            'GET', path, params={'agreementType': agreement_type}, correlation_id=correlation_id,
        )
        items = json_object(payload, 'GET', path).get('items')
        wanted = agreement_type.lower()
        return any(
            isinstance(item, dict) and str(item.get('type') or wanted).lower() == wanted
            for item in (items if isinstance(items, list) else [])
        )

    def agreement_template_id(self, agreement_type: str = MICROSOFT_CUSTOMER_AGREEMENT) -> Optional[str]:
        """The template id of Microsoft's current ``agreement_type`` (``GET /v1/agreements``): the
        template of the lowest version rank; None when Microsoft lists none."""
        path = f'{API_PREFIX}/agreements'
        payload = self._http.json('GET', path, params={'agreementType': agreement_type})
        items, _ = collection_page(payload, 'GET', path)
        templates = [parse_model(AgreementMetadata, item, 'GET', path) for item in items]
        templates = [
            item for item in templates
            if item.template_id and item.kind.lower() in ('', agreement_type.lower())
        ]
        templates.sort(key=lambda item: item.version_rank if item.version_rank is not None else 0)
        return templates[0].template_id if templates else None

    def create_customer_agreement(
        self,
        tenant_id: str,
        *,
        template_id: str,
        contact: Dict[str, str],
        date_agreed: str,
        agreement_type: str = MICROSOFT_CUSTOMER_AGREEMENT,
        request_id: Optional[str] = None,
    ) -> Dict[str, Any]:
        """Confirm the customer's acceptance of ``agreement_type`` (``POST …/agreements``):
        ``contact`` holds ``first_name``, ``last_name``, ``email`` and ``phone_number``."""
        path = f'{API_PREFIX}/customers/{self._tenant(tenant_id)}/agreements'
        body = agreement_body(
            template_id=template_id, contact=contact, date_agreed=date_agreed,
            agreement_type=agreement_type,
        )
        payload = self._http.json('POST', path, body=body, request_id=request_id)
        return json_object(payload, 'POST', path) if payload is not None else body

    def get_sku(self, product_id: str, sku_id: str, *, country: str) -> Sku:
        """One catalogue SKU as sold in ``country`` (its ``consumptionType`` says "overage")."""
        product = segment(require_catalog_id(product_id, 'product_id'))
        sku = segment(require_catalog_id(sku_id, 'sku_id'))
        country = require_country(country).upper()
        path = f'{API_PREFIX}/products/{product}/skus/{sku}'
        payload = self._http.json('GET', path, params={'country': country})
        return parse_model(Sku, json_object(payload, 'GET', path), 'GET', path)

    def check_connection(self) -> Dict[str, Any]:
        """Obtain a token and make one cheap read that the configured mode may make; raises
        PartnerCenterError when either fails.

        App+User reads the partner's organization profile, which Microsoft serves to App+User
        credentials only; app-only reads one customer of the partner's list (``size=1``), which
        both modes may read (docs/conformance.md lists the sources).
        """
        mode = mode_of(self._settings)
        if mode == MODE_APP_PLUS_USER:
            self._http.json('GET', f'{API_PREFIX}/profiles/organization')
        else:
            self._http.json('GET', f'{API_PREFIX}/customers', params={'size': '1'})
        return {'ok': True, 'mode': mode}

    # -- paths ----------------------------------------------------------------------------

    @staticmethod
    def _tenant(tenant_id: str) -> str:
        return segment(require_guid(tenant_id, 'tenant_id'))

    def _overage_path(self, tenant_id: str) -> str:
        return f'{API_PREFIX}/customers/{self._tenant(tenant_id)}/subscriptions/overage'
