"""The settings page shows the shared Partner Center budget as every process sees it."""
from sqlalchemy.exc import OperationalError

from connect_ext import wiring
from connect_ext.store.rate_budget import RateBudgets
from testkit.callers import OWNER


def test_the_settings_show_the_budget_used_kept_and_the_429s_of_the_hour(api, settings, store):
    budget = wiring.rate_budget_for(settings, store)
    for _ in range(3):
        budget.take('GET', '/v1/customers/x/subscriptions/overage', within=60)
    budget.throttled('GET', '/v1/customers/x/subscriptions/overage', retry_after=20.0)

    response = api.get('/api/settings', who=OWNER)

    assert response.status_code == 200
    shown = response.json()['rate_budget']
    assert shown['limit_per_minute'] == 500
    assert shown['people_rate_share'] == 0.2
    assert shown['kept_for_people_per_minute'] == round(budget.policy.kept_for_people_per_minute, 1)
    assert shown['sync_rate_share'] == settings.sync_rate_share
    assert shown['used_this_minute'] + shown['used_last_minute'] == 3
    assert shown['throttled_last_hour'] == 1
    assert 0 < shown['paused_for_seconds'] <= 20.0


def test_a_store_that_cannot_be_read_leaves_the_budget_out_and_the_page_answers(api, monkeypatch):
    def fails(self, key, now):
        raise OperationalError('SELECT', {}, Exception('database is locked'))

    monkeypatch.setattr(RateBudgets, 'state', fails)

    response = api.get('/api/settings', who=OWNER)

    assert response.status_code == 200
    assert response.json()['rate_budget'] is None
