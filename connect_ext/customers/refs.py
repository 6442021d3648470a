"""A customer as the rules see it (:class:`CustomerRef`) and as the store keeps it, converted in one place.

A :class:`~connect_ext.overage.facts.CustomerRef` and the store's ``CustomerRecord`` share the same
customer fields (``CUSTOMER_FIELDS``, beside ``customer_id``): the directory, the order events, the
sync and the service turn one into the other only through these functions, so a new field is added
once. Pure: no I/O.
"""
from dataclasses import replace
from typing import Any, Dict, Optional

from connect_ext.overage.facts import CustomerRef


# What is known about a customer besides its Connect id, in CustomerRef's and the record's names.
CUSTOMER_FIELDS = ('tenant_id', 'name', 'country', 'tier1_id', 'tier2_id', 'reseller_mpn')


def ref_from_record(record: Any) -> CustomerRef:
    """The customer of a store record; a blank stored value is unknown (None)."""
    return CustomerRef(
        customer_id=record.customer_id,
        **{name: getattr(record, name) or None for name in CUSTOMER_FIELDS},
        ovg_asset_ids=tuple(getattr(record, 'ovg_asset_ids', None) or ()),
    )


def known_fields(ref: CustomerRef) -> Dict[str, Any]:
    """The customer fields of ``ref`` that are known: what an upsert of the record may write, so
    an unknown (None or blank) field never erases what the store knows."""
    return {name: value for name in CUSTOMER_FIELDS if (value := getattr(ref, name)) not in (None, '')}


def filled_in(ref: CustomerRef, known: Optional[CustomerRef]) -> CustomerRef:
    """``ref`` with its unknown fields taken from ``known`` (an earlier order, the store...)."""
    if known is None:
        return ref
    gaps = {
        name: getattr(known, name)
        for name in CUSTOMER_FIELDS
        if getattr(ref, name) is None and getattr(known, name) is not None
    }
    return replace(ref, **gaps) if gaps else ref


def filled_from_record(ref: CustomerRef, record: Any) -> CustomerRef:
    """``ref`` with its unknown fields taken from the store's record of the customer, if any."""
    return filled_in(ref, ref_from_record(record)) if record is not None else ref


def is_complete(ref: CustomerRef) -> bool:
    """The store's record names the Microsoft tenant (whether the reseller's partner id was looked
    up is the store's bookkeeping: ``reseller_mpn_checked_at``)."""
    return bool(ref.tenant_id)
