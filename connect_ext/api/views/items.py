"""``GET /items``: the OVG items of the catalogue, read from Connect as the caller's account sees it.

An item is OVG when its ``display_name`` or ``name`` carries the marker (``OVERAGE_SKU_MARKER``)
as a whole word (:func:`connect_ext.overage.detection.ovg_items`). Connect is asked only for items
whose names contain the marker (``ilike``), then the whole-word rule decides.

Without ``product_id`` the products looked at are those the account can see, narrowed to the
optional ``PRODUCT_IDS`` variable (comma-separated) when it is set. The distributor and its
resellers may list items; a customer may not.

Each item carries its product's name (from the products read that found the product: one call per
product, never per item) and Connect's count of the active subscriptions holding it
(:mod:`connect_ext.customers.holders`: one bounded ``limit=0`` call per listed item, made
concurrently); a count Connect did not give is ``null``, and the item is listed all the same.
"""
from typing import Any, Iterable, List, Mapping, Optional, Sequence, Tuple

from connect.client import ClientError, ConnectClient, R
from connect.eaas.core.decorators import router
from fastapi import Depends, Query

from connect_ext.api import presenters
from connect_ext.api.auth import get_caller, require_role
from connect_ext.api.dependencies import get_catalogue_client, get_product_ids, get_settings
from connect_ext.api.handlers import pattern_mismatch, public_error
from connect_ext.api.responses import error_responses, model_answer
from connect_ext.api.schemas import ItemsPage
from connect_ext.config import Settings
from connect_ext.customers.holders import count_all
from connect_ext.overage.detection import ovg_items
from connect_ext.overage.facts import Caller
from connect_ext.vocabulary import OWNER, PRODUCT_ID_PATTERN, RESELLER, is_product_id


# Bounds on what one call reads from Connect, so a huge catalogue cannot stall the page.
MAX_PRODUCTS = 50
MAX_ITEMS_PER_PRODUCT = 1000


def matches_search(item: Mapping[str, Any], search: Optional[str]) -> bool:
    """A case-insensitive substring of the name, display name, MPN or id."""
    if not search:
        return True
    wanted = search.casefold()
    return any(
        wanted in str(item.get(field) or '').casefold()
        for field in ('name', 'display_name', 'mpn', 'id')
    )


def _bounded(resources: Iterable[Any], limit: int) -> List[Mapping[str, Any]]:
    found: List[Mapping[str, Any]] = []
    for resource in resources:
        if isinstance(resource, Mapping):
            found.append(resource)
        if len(found) >= limit:
            break
    return found


def product_items(client: ConnectClient, product_id: str, marker: str) -> List[Mapping[str, Any]]:
    query = R().name.ilike(f'*{marker}*') | R().display_name.ilike(f'*{marker}*')
    items = _bounded(client.products[product_id].items.filter(query), MAX_ITEMS_PER_PRODUCT)
    return ovg_items(items, marker)


def _name(product: Mapping[str, Any]) -> Optional[str]:
    name = product.get('name')
    return name if isinstance(name, str) and name.strip() else None


def visible_products(client: ConnectClient,
                     narrowed_to: Optional[Sequence[str]]) -> List[Tuple[str, Optional[str]]]:
    """The products looked at, each with its name: ``(id, name)``."""
    products = client.products.filter(R().id.in_(list(narrowed_to))) if narrowed_to else client.products.all()
    return [(str(product['id']), _name(product))
            for product in _bounded(products, MAX_PRODUCTS) if product.get('id')]


def one_product(client: ConnectClient, product_id: str) -> Tuple[str, Optional[str]]:
    """The one product asked for, with its name (a product Connect does not show: not found)."""
    try:
        product = client.products[product_id].get()
    except ClientError as error:
        if error.status_code == 404:
            raise public_error('PRODUCT_NOT_FOUND', product_id=product_id) from None
        raise
    return product_id, _name(product) if isinstance(product, Mapping) else None


class ItemsWebAppMixin:
    @router.get(
        '/items',
        summary='The OVG (overage-capable) items of the products',
        response_model=None,
        responses={200: {'model': ItemsPage, 'description': 'The OVG items.'},
                   **error_responses(404, 422, 502, 503)},
    )
    def list_items(
        self,
        product_id: Optional[str] = Query(
            None, max_length=64, pattern=PRODUCT_ID_PATTERN,
            description='One product (PRD-...); without it, every configured product.',
        ),
        search: Optional[str] = Query(
            None, max_length=100, description='A part of the name, MPN or item id.',
        ),
        caller: Caller = Depends(get_caller),
        client: ConnectClient = Depends(get_catalogue_client),
        settings: Settings = Depends(get_settings),
        product_ids: Optional[tuple] = Depends(get_product_ids),
    ):
        require_role(caller, OWNER, RESELLER, problem='customers cannot list catalogue items')
        if product_id is not None and not is_product_id(product_id):
            # The Query pattern's '$' lets a final newline through on pydantic 1: refused here in
            # full, as any other non-id, before Connect is asked.
            raise pattern_mismatch(('query', 'product_id'), 'not a product id')
        if product_id:
            if product_ids and product_id not in product_ids:
                raise public_error('PRODUCT_NOT_FOUND', product_id=product_id)
            products = [one_product(client, product_id)]
        else:
            products = visible_products(client, product_ids)
        found = []
        for pid, name in products:
            try:
                items = product_items(client, pid, settings.sku_marker)
            except ClientError as error:
                if error.status_code == 404:
                    raise public_error('PRODUCT_NOT_FOUND', product_id=pid) from None
                raise
            found.extend((pid, name, item) for item in items if matches_search(item, search))
        counts = count_all(client, (str(item.get('id') or '') for _, _, item in found))
        return model_answer(presenters.items_page([
            presenters.catalogue_item(pid, item, name, counts.get(str(item.get('id') or '')))
            for pid, name, item in found
        ]))
