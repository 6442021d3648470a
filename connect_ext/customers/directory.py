"""Find a Connect customer (``TA-...``) or the customer of a subscription (``AS-...``).

The store answers first: it already holds every customer seen in an order, with its Microsoft
tenant id, its tier chain and its reseller's partner id. Connect is asked only when the store does
not know the customer, or knows it incompletely (no tenant id yet, or an indirect chain without the
reseller's partner id); what Connect says is recorded in the store for the next time.

From Connect:

- the customer's subscriptions: ``client('subscriptions').assets`` filtered on
  ``tiers.customer.id``; the tenant id is the first configured parameter (``TENANT_ID_PARAMS``)
  holding a GUID, and an active subscription is preferred over others;
- the tier chain (``tiers.tier1`` / ``tiers.tier2``) of that subscription;
- in an indirect chain (a tier-2 account exists), the reseller's partner id: the tier-1 account's
  tier configuration parameter named by ``RESELLER_MPN_PARAM`` for the subscription's product.

The ids given here are already checked by the web layer (:mod:`connect_ext.api.auth`), so they
are safe inside an RQL filter.
"""
import itertools
import logging
from dataclasses import replace
from typing import Any, Dict, List, Mapping, Optional

from connect.client import ClientError, R

from connect_ext.config import Settings
from connect_ext.customers.assets import asset_items, customer_ref_from_asset, param_value
from connect_ext.customers.refs import filled_in, is_complete, known_fields, ref_from_record
from connect_ext.overage.detection import ovg_items
from connect_ext.overage.facts import CustomerRef


logger = logging.getLogger(__name__)

# How many of a customer's subscriptions are read to find its tenant id.
MAX_ASSETS_READ = 100
_STATUS_PREFERENCE = {'active': 0, 'suspended': 1, 'processing': 2}


def pick_asset(assets: List[Mapping[str, Any]], tenant_id_params) -> Optional[Mapping[str, Any]]:
    """The subscription that best describes the customer: one with a tenant id, active first."""
    if not assets:
        return None

    def rank(indexed):
        index, asset = indexed
        ref = customer_ref_from_asset(asset, tenant_id_params=tenant_id_params)
        has_tenant = bool(ref and ref.tenant_id)
        status = str(asset.get('status') or '').lower()
        return (not has_tenant, _STATUS_PREFERENCE.get(status, 9), index)

    return sorted(enumerate(assets), key=rank)[0][1]


class CustomerDirectory:
    def __init__(self, store, client, settings: Settings):
        self.store = store
        self.client = client
        self.settings = settings

    # -- customers ------------------------------------------------------------------------

    def customer(self, customer_id: str) -> Optional[CustomerRef]:
        """The customer, or None when neither the store nor Connect knows it."""
        record = self.store.get_customer(customer_id)
        known = ref_from_record(record) if record is not None else None
        if known is not None and is_complete(known):
            return known
        try:
            assets = self._customer_assets(customer_id)
        except ClientError as error:
            if known is None:
                raise
            logger.warning('Connect unreadable for %s, using the stored record: %s', customer_id, error)
            return known
        asset = pick_asset(assets, self.settings.tenant_id_params)
        if asset is None:
            return known
        learned = self._ref_from_asset(asset)
        if learned is None or learned.customer_id != customer_id:
            return known
        return self._record(learned, known)

    def asset_customer(self, asset_id: str) -> Optional[CustomerRef]:
        """The customer of subscription ``asset_id``, or None when Connect has no such subscription."""
        try:
            asset = self.client('subscriptions').assets[asset_id].get()
        except ClientError as error:
            if error.status_code == 404:
                return None
            raise
        if not isinstance(asset, Mapping):
            return None
        learned = self._ref_from_asset(asset)
        if learned is None:
            return None
        record = self.store.get_customer(learned.customer_id)
        known = ref_from_record(record) if record is not None else None
        if known is not None and learned.tenant_id is None and known.tenant_id:
            # This subscription lacks the tenant id, but another one of the customer had it.
            learned = filled_in(learned, known)
        has_ovg = bool(ovg_items(asset_items(asset), self.settings.sku_marker))
        return self._record(learned, known, ovg_asset_id=asset_id if has_ovg else None)

    # -- Connect --------------------------------------------------------------------------

    def _customer_assets(self, customer_id: str) -> List[Mapping[str, Any]]:
        assets = self.client('subscriptions').assets.filter(R().tiers.customer.id.eq(customer_id))
        return [
            asset for asset in itertools.islice(assets, MAX_ASSETS_READ)
            if isinstance(asset, Mapping)
        ]

    def _ref_from_asset(self, asset: Mapping[str, Any]) -> Optional[CustomerRef]:
        ref = customer_ref_from_asset(asset, tenant_id_params=self.settings.tenant_id_params)
        if ref is None or not ref.tier2_id or not ref.tier1_id:
            return ref
        product = asset.get('product') if isinstance(asset.get('product'), Mapping) else {}
        mpn = self._reseller_mpn(ref.tier1_id, product.get('id'))
        return replace(ref, reseller_mpn=mpn)

    def _reseller_mpn(self, tier1_id: str, product_id: Optional[str]) -> Optional[str]:
        """The tier-1 account's partner id for the product; None when Connect has none."""
        if not product_id:
            return None
        query = R().account.id.eq(tier1_id) & R().product.id.eq(product_id)
        try:
            config = self.client('tier').configs.filter(query).first()
        except ClientError as error:
            # A read of the customer's state does not need it; a write without it is refused by
            # Microsoft with a clear error, so the lookup failing must not stop the page.
            logger.warning('Tier config of %s for %s unreadable: %s', tier1_id, product_id, error)
            return None
        if not isinstance(config, Mapping):
            return None
        return param_value(config.get('params'), self.settings.reseller_mpn_param)

    # -- store ----------------------------------------------------------------------------

    def _record(
        self,
        learned: CustomerRef,
        known: Optional[CustomerRef],
        *,
        ovg_asset_id: Optional[str] = None,
    ) -> CustomerRef:
        merged = filled_in(learned, known) if known is not None else learned
        fields: Dict[str, Any] = known_fields(merged)
        if ovg_asset_id:
            record = self.store.get_customer(merged.customer_id)
            asset_ids = list(record.ovg_asset_ids) if record is not None else []
            if ovg_asset_id not in asset_ids:
                fields['ovg_asset_ids'] = [*asset_ids, ovg_asset_id]
        record = self.store.upsert_customer(merged.customer_id, **fields)
        return ref_from_record(record)
