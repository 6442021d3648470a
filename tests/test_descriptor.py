"""The project is what Connect's own tooling expects: eaas-core's validators find no error."""
import json
import os
from pathlib import Path

import pytest
from connect.eaas.core.validation.validators import get_validators

from connect_ext.events import OverageEventsApplication
from connect_ext.webapp import OverageWebApplication


ROOT = Path(__file__).resolve().parent.parent
RUNNER_VERSION = '43.1'


def _run_validators():
    context = {
        'project_dir': str(ROOT),
        'runner_version': RUNNER_VERSION,
        'event_definitions': json.loads((ROOT / 'tests/data/event_definitions.json').read_text()),
    }
    items = []
    for validator in get_validators():
        result = validator(context)
        items.extend(result.items)
        if result.must_exit:
            break
        context.update(result.context or {})
    return items


def test_eaas_core_validators_report_no_error():
    items = _run_validators()
    errors = [f'{item.level}: {item.message} ({item.file})' for item in items if item.level == 'ERROR']
    assert errors == []


def test_descriptor_is_found_next_to_the_apps_and_is_the_top_level_file():
    assert (ROOT / 'extension.json').resolve() == (ROOT / 'connect_ext/extension.json').resolve()
    for app in (OverageEventsApplication, OverageWebApplication):
        descriptor = app.get_descriptor()
        assert descriptor == json.loads((ROOT / 'extension.json').read_text())
        assert set(descriptor['audience']) == {'distributor', 'reseller'}


@pytest.mark.parametrize('app', [OverageEventsApplication, OverageWebApplication])
def test_variables_have_string_initial_values_and_secrets_are_secure(app):
    declared = {var['name']: var for var in app.get_variables()}
    assert all(isinstance(var['initial_value'], str) for var in declared.values())
    for name in (
        'PARTNER_CENTER_CLIENT_SECRET', 'PARTNER_CENTER_REFRESH_TOKEN', 'DATABASE_URL',
        'OVERAGE_WEBHOOK_SECRET',
    ):
        assert declared[name]['secure'] is True, name
    assert declared['PARTNER_CENTER_API_URL']['secure'] is False


def test_dockerfile_uses_the_runner_image_of_the_validated_version():
    dockerfile = (ROOT / 'Dockerfile').read_text()
    assert f'FROM cloudblueconnect/connect-extension-runner:{RUNNER_VERSION}' in dockerfile
    assert '.connect_ext_dev.env' in (ROOT / '.gitignore').read_text()


def test_pyproject_declares_both_entry_points():
    import toml

    plugins = toml.load(ROOT / 'pyproject.toml')['tool']['poetry']['plugins']['connect.eaas.ext']
    assert plugins == {
        'eventsapp': 'connect_ext.events:OverageEventsApplication',
        'webapp': 'connect_ext.webapp:OverageWebApplication',
    }
    assert os.path.isfile(ROOT / 'connect_ext' / 'extension.json')
