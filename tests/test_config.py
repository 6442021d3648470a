import pytest

from connect_ext.config import DEFAULT_API_URL, Settings, variables_declaration


def test_defaults_apply_to_missing_and_blank_variables():
    settings = Settings.from_config({'PARTNER_CENTER_API_URL': '  ', 'OVERAGE_SKU_MARKER': ''})
    assert settings.partner_center.api_url == DEFAULT_API_URL
    assert settings.sku_marker == 'OVG'
    assert settings.tenant_id_params == ('ms_customer_id', 'microsoft_tenant_id')
    assert settings.blocked_countries == frozenset({'CN', 'CU', 'IR', 'KP', 'RU'})


def test_values_are_parsed_and_normalised():
    settings = Settings.from_config({
        'PARTNER_CENTER_API_URL': 'https://pc.example.test/',
        'BLOCKED_COUNTRIES': 'cn, by ,,',
        'TENANT_ID_PARAMS': 'tenant , ms_customer_id',
        'PARTNER_CENTER_CLIENT_SECRET': 'very-secret',
        'PARTNER_CENTER_REFRESH_TOKEN': 'refresh-me',
    })
    assert settings.partner_center.api_url == 'https://pc.example.test'
    assert settings.blocked_countries == frozenset({'CN', 'BY'})
    assert settings.tenant_id_params == ('tenant', 'ms_customer_id')
    assert settings.partner_center.app_plus_user is True


def test_secrets_never_appear_in_the_settings_repr():
    settings = Settings.from_config({
        'PARTNER_CENTER_CLIENT_SECRET': 'very-secret',
        'PARTNER_CENTER_REFRESH_TOKEN': 'refresh-me',
        'OVERAGE_WEBHOOK_SECRET': 'hook-secret',
        'DATABASE_URL': 'postgresql+psycopg://u:db-password@h/d',
    })
    text = repr(settings)
    for secret in ('very-secret', 'refresh-me', 'hook-secret', 'db-password'):
        assert secret not in text


def test_declaration_covers_every_public_variable():
    names = [var['name'] for var in variables_declaration()]
    assert len(names) == len(set(names))
    assert {'OVERAGE_WEBHOOK_URL', 'BLOCKED_COUNTRIES'} <= set(names)


@pytest.mark.parametrize(('value', 'kept'), [
    ('https://portal.example.org/overage', 'https://portal.example.org/overage'),
    ('  https://portal.example.org/x?tab=1 ', 'https://portal.example.org/x?tab=1'),
    ('http://portal.example.org/overage', ''),
    ('/static/index.html', ''),
    ('https://', ''),
    ('https://a.example/ x', ''),
    ('', ''),
])
def test_the_manage_overage_link_base_is_an_absolute_https_url_or_nothing(value, kept):
    """A relative link is dead in Connect's portal and a plain-http one is not Connect's page."""
    assert Settings.from_config({'MANAGE_OVERAGE_BASE_URL': value}).pages_url == kept


@pytest.mark.parametrize(('value', 'kept'), [
    (None, 'private'), ('private', 'private'), ('MESSAGE', 'message'), ('public', 'private'),
])
def test_order_notes_are_private_unless_said_otherwise(value, kept):
    config = {} if value is None else {'ORDER_NOTES_VISIBILITY': value}
    assert Settings.from_config(config).notes_visibility == kept


def test_confirm_within_minutes_is_a_positive_number_of_minutes_else_the_default():
    assert Settings().confirm_within_minutes == 60.0
    assert Settings.from_config({'CONFIRM_WITHIN_MINUTES': ' 15 '}).confirm_within_minutes == 15.0
    assert Settings.from_config({'CONFIRM_WITHIN_MINUTES': '2.5'}).confirm_within_minutes == 2.5
    for bad in ('0', '-5', 'soon', 'nan', 'inf', '100000', ''):
        assert Settings.from_config({'CONFIRM_WITHIN_MINUTES': bad}).confirm_within_minutes == 60.0
    declared = {var['name']: var for var in variables_declaration()}
    assert declared['CONFIRM_WITHIN_MINUTES'] == {
        'name': 'CONFIRM_WITHIN_MINUTES', 'initial_value': '60', 'secure': False,
    }


def test_handover_days_is_a_whole_number_of_days_up_to_a_year_else_the_default():
    assert Settings().handover_days == 30
    assert Settings.from_config({'HANDOVER_DAYS': ' 7 '}).handover_days == 7
    assert Settings.from_config({'HANDOVER_DAYS': '365'}).handover_days == 365
    for bad in ('0', '-3', '2.5', 'soon', '366', ''):
        assert Settings.from_config({'HANDOVER_DAYS': bad}).handover_days == 30
    declared = {var['name']: var for var in variables_declaration()}
    assert declared['HANDOVER_DAYS'] == {'name': 'HANDOVER_DAYS', 'initial_value': '30', 'secure': False}


def test_the_resource_group_is_parsed_once_and_a_bad_one_sends_nothing():
    group = '{"tags": {"teams phone": "pay as you go calls"}, "location": "canadacentral"}'

    parsed = Settings.from_config({'OVERAGE_RESOURCE_GROUP': group})

    assert parsed.resource_group == {'location': 'canadacentral',
                                     'tags': {'teams phone': 'pay as you go calls'}}
    assert hash(parsed) == hash(Settings.from_config({'OVERAGE_RESOURCE_GROUP': group}))
    for bad in ('', 'not json', '[]', '{}', '{"location": "Canada Central"}', '{"tags": {"a": 1}}',
                '{"location": "eastus", "name": "M365"}'):
        assert Settings.from_config({'OVERAGE_RESOURCE_GROUP': bad}).resource_group is None
