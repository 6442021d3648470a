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
