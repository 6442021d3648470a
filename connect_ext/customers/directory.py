"""Find a Connect customer (``TA-...``) or the customer of a subscription (``AS-...``).

The store answers first: it already holds every customer seen in an order, with its Microsoft
tenant id, its tier chain and its reseller's partner id. Connect is asked only when the store does
not know the customer, or knows it incompletely (no tenant id yet, or its tier-1 account's partner
id never looked up); what Connect says is recorded in the store for the next time. A change of a
tier configuration (Connect's ``tier_config_*`` events) makes the next read look the id up again
(:meth:`CustomerDirectory.tier_config_changed`).

From Connect:

- the customer's subscriptions: ``client('subscriptions').assets`` filtered on
  ``tiers.customer.id``; the tenant id is the first configured parameter (``TENANT_ID_PARAMS``)
  holding a GUID, and an active subscription is preferred over others;
- the tier chain (``tiers.tier1`` / ``tiers.tier2``) of that subscription;
- the reseller's partner id: the parameter named by ``RESELLER_MPN_PARAM`` of the tier-1 account's
  tier configuration (tier level 1) for the subscription's product and marketplace — tier 1 is the
  account one step above the customer, whether or not a tier-2 account exists; an active
  configuration is preferred over one being processed (conformance: CX-05). None when it has no
  such value: a direct sale, which Microsoft takes without a partner id.

The ids given here are already checked by the web layer (:mod:`connect_ext.api.auth`), so they
are safe inside an RQL filter.
"""
import itertools
import logging
from dataclasses import replace
from typing import Any, Dict, List, Mapping, Optional, Tuple

from connect.client import ClientError, R

from connect_ext.config import Settings
from connect_ext.customers.assets import asset_items, customer_ref_from_asset, param_value
from connect_ext.customers.refs import filled_in, is_complete, known_fields, ref_from_record
from connect_ext.overage.detection import ovg_items
from connect_ext.overage.facts import CustomerRef
from connect_ext.redaction import describe


logger = logging.getLogger(__name__)

# How many of a customer's subscriptions are read to find its tenant id.
MAX_ASSETS_READ = 100
# The tier configuration statuses whose parameters count, preferred first (conformance: CX-05).
_CONFIG_STATUSES = ('active', 'processing')


def _id_of(value: Any) -> Optional[str]:
    found = value.get('id') if isinstance(value, Mapping) else None
    return found if isinstance(found, str) and found else None


def _partner_id_known(known: CustomerRef, record: Any) -> bool:
    """The reseller's partner id was looked up (or there is no tier-1 account to look it up for)."""
    return not known.tier1_id or getattr(record, 'reseller_mpn_checked_at', None) is not None


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
        if known is not None and is_complete(known) and _partner_id_known(known, record):
            return known
        try:
            assets = self._customer_assets(customer_id)
        except ClientError as error:
            if known is None:
                raise
            logger.warning('Connect unreadable for %s, using the stored record: %s', customer_id,
                           describe(error))
            return known
        asset = pick_asset(assets, self.settings.tenant_id_params)
        if asset is None:
            return known
        learned, checked = self._ref_from_asset(asset)
        if learned is None or learned.customer_id != customer_id:
            return known
        return self._record(learned, known, mpn_checked=checked)

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
        learned, checked = self._ref_from_asset(asset)
        if learned is None:
            return None
        record = self.store.get_customer(learned.customer_id)
        known = ref_from_record(record) if record is not None else None
        if known is not None and learned.tenant_id is None and known.tenant_id:
            # This subscription lacks the tenant id, but another one of the customer had it.
            learned = filled_in(learned, known)
        has_ovg = bool(ovg_items(asset_items(asset), self.settings.sku_marker))
        return self._record(learned, known, ovg_asset_id=asset_id if has_ovg else None,
                            mpn_checked=checked)

    def tier_config_changed(self, tier_account_id: Optional[str]) -> int:
        """A tier configuration of ``tier_account_id`` changed: its customers' partner id is looked
        up again on their next read. Returns how many customers that concerns."""
        if not tier_account_id:
            return 0
        return self.store.forget_reseller_mpn_checks(tier_account_id)

    # -- Connect --------------------------------------------------------------------------

    def _customer_assets(self, customer_id: str) -> List[Mapping[str, Any]]:
        assets = self.client('subscriptions').assets.filter(R().tiers.customer.id.eq(customer_id))
        return [
            asset for asset in itertools.islice(assets, MAX_ASSETS_READ)
            if isinstance(asset, Mapping)
        ]

    def _ref_from_asset(self, asset: Mapping[str, Any]) -> Tuple[Optional[CustomerRef], bool]:
        """The customer of ``asset`` with its reseller's partner id, and whether Connect answered
        the partner id lookup (False: not asked, or unreadable — asked again next time)."""
        ref = customer_ref_from_asset(asset, tenant_id_params=self.settings.tenant_id_params)
        if ref is None or not ref.tier1_id:
            return ref, False
        product = _id_of(asset.get('product'))
        marketplace = _id_of(asset.get('marketplace'))
        if not product:
            return ref, False
        try:
            mpn = self._reseller_mpn(ref.tier1_id, product, marketplace)
        except ClientError as error:
            # A read of the customer's state does not need it; a write without it is refused by
            # Microsoft with a clear error, so the lookup failing must not stop the page.
            logger.warning('Tier config of %s for %s unreadable: %s', ref.tier1_id, product, error)
            return ref, False
        return replace(ref, reseller_mpn=mpn), True

    def _reseller_mpn(self, tier1_id: str, product_id: str, marketplace_id: Optional[str]):
        """The tier-1 account's partner id for the product (and marketplace); None when none."""
        query = (
            R().account.id.eq(tier1_id) & R().product.id.eq(product_id)
            & R().tier_level.eq(1) & R().status.oneof(list(_CONFIG_STATUSES))
        )
        if marketplace_id:
            query &= R().marketplace.id.eq(marketplace_id)
        configs = [
            config for config in itertools.islice(self.client('tier').configs.filter(query), 10)
            if isinstance(config, Mapping)
        ]
        configs.sort(key=lambda config: _CONFIG_STATUSES.index(str(config.get('status'))))
        for config in configs:
            value = param_value(config.get('params'), self.settings.reseller_mpn_param)
            if value:
                return value
        return None

    # -- store ----------------------------------------------------------------------------

    def _record(
        self,
        learned: CustomerRef,
        known: Optional[CustomerRef],
        *,
        ovg_asset_id: Optional[str] = None,
        mpn_checked: bool = False,
    ) -> CustomerRef:
        if mpn_checked:
            # What Connect says now wins over what the store remembers (None: no partner id now).
            merged = filled_in(learned, replace(known, reseller_mpn=None)) if known else learned
        else:
            merged = filled_in(learned, known) if known is not None else learned
        fields: Dict[str, Any] = known_fields(merged)
        if mpn_checked:
            fields['reseller_mpn'] = merged.reseller_mpn
            fields['reseller_mpn_checked_at'] = self.store.now()
        if ovg_asset_id:
            record = self.store.get_customer(merged.customer_id)
            asset_ids = list(record.ovg_asset_ids) if record is not None else []
            if ovg_asset_id not in asset_ids:
                fields['ovg_asset_ids'] = [*asset_ids, ovg_asset_id]
        record = self.store.upsert_customer(merged.customer_id, **fields)
        return ref_from_record(record)
