"""The settings page shows the sync's coverage (issue 16): the share of customers read in the last
24 h and 7 days and the oldest read, counted at most every few minutes."""
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import OperationalError

from connect_ext.api import dependencies
from connect_ext.store import Store
from testkit.callers import OWNER


def _seed(store):
    now = datetime.now(UTC)
    for customer_id, read_ago in (('TA-1', timedelta(hours=1)), ('TA-2', timedelta(days=3)),
                                  ('TA-3', timedelta(days=10)), ('TA-4', None)):
        store.upsert_customer(customer_id, name=customer_id,
                              checked_at=None if read_ago is None else now - read_ago)
    return now


def test_the_settings_show_the_share_read_in_a_day_and_a_week_and_the_oldest_read(api, store):
    before = store.sync_coverage()  # the api's own customers, read just now or never
    now = _seed(store)

    response = api.get('/api/settings', who=OWNER)

    assert response.status_code == 200
    shown = response.json()['sync_coverage']
    customers = before.customers + 4
    assert (shown['customers'], shown['never_read']) == (customers, before.never_read + 1)
    assert shown['read_last_day_share'] == round((before.read_last_day + 1) / customers, 4)
    assert shown['read_last_week_share'] == round((before.read_last_week + 2) / customers, 4)
    oldest = datetime.fromisoformat(shown['oldest_read_at'])
    assert abs((oldest - (now - timedelta(days=10))).total_seconds()) < 1
    assert 10 * 86400 - 5 < shown['oldest_read_age_seconds'] < 10 * 86400 + 60
    assert datetime.fromisoformat(shown['counted_at']) >= now


def test_the_coverage_is_counted_at_most_every_few_minutes(api, store, monkeypatch):
    _seed(store)
    counts = []
    original = Store.sync_coverage

    def counting(self):
        counts.append(self.url)
        return original(self)

    monkeypatch.setattr(Store, 'sync_coverage', counting)

    first = api.get('/api/settings', who=OWNER).json()['sync_coverage']
    store.upsert_customer('TA-5', name='New')
    second = api.get('/api/settings', who=OWNER).json()['sync_coverage']

    assert counts == [store.url]
    assert second == first
    assert dependencies.SYNC_COVERAGE_MAX_AGE_SECONDS <= 300


def test_a_store_that_cannot_be_counted_leaves_the_coverage_out_and_the_page_answers(
        api, monkeypatch):
    def fails(self):
        raise OperationalError('SELECT', {}, Exception('database is locked'))

    monkeypatch.setattr(Store, 'sync_coverage', fails)

    response = api.get('/api/settings', who=OWNER)

    assert response.status_code == 200
    assert response.json()['sync_coverage'] is None
