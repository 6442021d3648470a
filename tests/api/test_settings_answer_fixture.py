"""The settings page's test answer (``ui/tests/settingsAnswer.json``) has exactly the fields of a
real ``GET /settings`` answer, and no secret: the page's Vitest walks that answer and fails when a
field is neither shown nor deliberately left out (issue 19, item 12), so a field the API gains must
reach the fixture first — this test fails until it does."""
import dataclasses
import json
from pathlib import Path

from connect_ext import wiring
from connect_ext.api import dependencies
from testkit.callers import OWNER


FIXTURE = Path(__file__).resolve().parents[2] / 'ui' / 'tests' / 'settingsAnswer.json'


def paths(value, prefix=''):
    """Every field's dotted path; a list (of countries, of findings) is one field."""
    if not isinstance(value, dict):
        return {prefix}
    found = set()
    for key, inner in value.items():
        found |= paths(inner, f'{prefix}.{key}' if prefix else key)
    return found


def full_answer(api, settings, monkeypatch):
    """Every optional part present: a webhook, products, the runner's store warning, App+User."""
    monkeypatch.setattr(wiring, 'under_runner', lambda: True)
    configured = dataclasses.replace(
        settings, webhook_url='https://hooks.example.test/overage', webhook_secret='hook-secret',
    )
    api.app.dependency_overrides[dependencies.get_settings] = lambda: configured
    api.app.dependency_overrides[dependencies.get_product_ids] = lambda: ['PRD-100-000-001']
    response = api.get('/api/settings', who=OWNER)
    assert response.status_code == 200
    return configured, response


def test_the_pages_fixture_has_every_field_of_a_full_settings_answer(api, settings, monkeypatch):
    _, response = full_answer(api, settings, monkeypatch)
    body = response.json()
    for part in ('webhook_url', 'store_warning', 'rate_budget', 'sync_coverage'):
        assert body[part] is not None, part
    assert body['partner_center']['refresh_token'] is not None

    assert paths(json.loads(FIXTURE.read_text())) == paths(body)


def test_a_full_settings_answer_names_no_secret_and_holds_none(api, settings, monkeypatch):
    configured, response = full_answer(api, settings, monkeypatch)
    pc = configured.partner_center
    for secret in ('hook-secret', pc.client_secret, pc.refresh_token, configured.database_url):
        assert secret
        assert secret not in response.text
    assert not [path for path in paths(response.json()) if 'secret' in path or 'password' in path]
