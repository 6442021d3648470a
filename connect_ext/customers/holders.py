"""How many customers hold a catalogue item: counted by Connect, as the caller's account sees it.

One count is one ``GET /subscriptions/assets`` with ``limit=0``, filtered on the item and on
``status`` active; Connect answers no rows and the total in its ``Content-Range`` header
(``items 0-0/<total>``), which ``connect-openapi-client``'s ``ResourceSet.count()`` reads. The
filter names the item by ``items.global_id``: an asset's item carries the catalogue item's id
there (its own ``id`` is the product-scoped ``PRD_..._0001`` form). RQL has no grouping, so
there is no single call that counts several items: each item is one call, made concurrently
(``connect-openapi-client`` keeps each thread's response apart) and bounded per page.

The client is the caller's installation client, so a reseller's count covers only the
subscriptions Connect shows that reseller. A count that fails is ``None`` (unknown), never 0.
See docs/conformance.md, CX-13.
"""
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, Iterable, Optional

from connect.client import ClientError, ConnectClient, R

from connect_ext.redaction import describe


logger = logging.getLogger(__name__)

# At most this many items are counted for one page (each is one Connect call); the rest are
# listed with an unknown count.
MAX_COUNTED_ITEMS = 100
# At most this many counts are asked of Connect at once.
COUNT_WORKERS = 8
HOLDING_STATUS = 'active'


def holders_query(item_id: str) -> R:
    """The active subscriptions holding the item (the RQL of one count)."""
    return R().items.global_id.eq(item_id) & R().status.eq(HOLDING_STATUS)


def count_holders(client: ConnectClient, item_id: str) -> Optional[int]:
    """Connect's count of the active subscriptions holding ``item_id``; ``None`` when it failed."""
    try:
        count = client('subscriptions').assets.filter(holders_query(item_id)).count()
    except ClientError as error:
        logger.warning('Connect did not count the subscriptions holding %s: %s', item_id,
                       describe(error))
        return None
    except (AttributeError, ValueError) as error:
        # No Content-Range (count() then has no range to read) or one that is not a range.
        logger.warning('Connect answered no usable count of the subscriptions holding %s: %s',
                       item_id, describe(error))
        return None
    if not isinstance(count, int) or count < 0:
        logger.warning('Connect answered an invalid count (%r) for %s', count, item_id)
        return None
    return count


def count_all(client: ConnectClient, item_ids: Iterable[str]) -> Dict[str, Optional[int]]:
    """Each item's count (``None``: unknown), at most ``MAX_COUNTED_ITEMS`` counted, concurrently."""
    unique = list(dict.fromkeys(item_id for item_id in item_ids if item_id))
    counts: Dict[str, Optional[int]] = dict.fromkeys(unique)
    counted = unique[:MAX_COUNTED_ITEMS]
    if not counted:
        return counts
    with ThreadPoolExecutor(max_workers=min(COUNT_WORKERS, len(counted)),
                            thread_name_prefix='item-holders') as pool:
        answers = pool.map(lambda item_id: count_holders(client, item_id), counted)
        counts.update(zip(counted, answers, strict=True))
    return counts
