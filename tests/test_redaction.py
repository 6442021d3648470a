"""The one redaction: every secret shape and every known secret value, nothing else (issue 20,
item 1)."""
import json
import uuid
from datetime import UTC, datetime

import pytest

from connect_ext import redaction
from connect_ext.config import Settings
from connect_ext.errors import catalogue
from connect_ext.errors.error import OverageError
from connect_ext.notifications.webhooks import encode_event
from connect_ext.partner_center.errors import PartnerCenterError
from connect_ext.redaction import REDACTED, describe, redact, redact_text, remember
from connect_ext.store.fields import clean_audit_fields


JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZG1pbiIsImF1ZCI6InBjIn0.c2lnbmF0dXJlLXZhbHVl'


def fresh(prefix):
    return f'{prefix}-{uuid.uuid4().hex}'


@pytest.mark.parametrize('text', [
    f'Authorization: Bearer {JWT}',
    'authorization="Bearer 0123456789abcdef0123456789abcdef"',
    '{"Authorization": "ApiKey SU-123-456:0123456789abcdef0123456789"}',
    'header Bearer 0123456789abcdefghijklmnopqrstuv sent twice',
    f'token {JWT} expired',
    'key SU-123-456-789:0a1b2c3d4e5f60718293a4b5c6d7e8f9 is unknown',
    'refresh_token=0.AAAAbbbbCCCCdddd&grant_type=refresh_token',
    '{"client_secret": "s3cr3t-value"}',
    'OVERAGE_WEBHOOK_SECRET=whsec_short',
    'x-api-key: abc',
    'Authorization: Basic dXNlcjpwYXNzd29yZDEyMzQ1Ng==',
])
def test_every_secret_shape_is_redacted(text):
    redacted = redact_text(text)

    assert REDACTED in redacted
    for secret in (JWT, '0123456789abcdef0123456789abcdef', '0123456789abcdef0123456789',
                   '0123456789abcdefghijklmnopqrstuv', '0a1b2c3d4e5f60718293a4b5c6d7e8f9',
                   '0.AAAAbbbbCCCCdddd', 's3cr3t-value', 'whsec_short', 'dXNlcjpwYXNzd29yZDEyMzQ1Ng'):
        assert secret not in redacted


@pytest.mark.parametrize('text', [
    'The bearer of this subscription must be an Admin agent.',
    'token request refused (invalid_grant: AADSTS70000)',
    'Partner Center error 800115: the customer already has overage enabled by another partner.',
    'GET /v1/customers/c0570000-0000-4000-8000-000000000001/subscriptions/overage',
])
def test_ordinary_words_are_left_alone(text):
    assert redact_text(text) == text


def test_a_remembered_value_is_redacted_anywhere_and_a_short_one_is_not_taken():
    secret = fresh('opaque')
    remember(secret, 'short', None, 42)

    assert redact_text(f'seen {secret}!') == f'seen {REDACTED}!'
    assert redact_text('a short word') == 'a short word'
    assert redact_text('x', extra=['x']) == REDACTED  # a value named by the caller, any length


def test_a_connect_key_is_remembered_whole_and_by_its_secret_part():
    part = uuid.uuid4().hex
    redaction.remember_connect_key(f'ApiKey SU-900-001:{part}')

    assert redact_text(f'key {part} unknown') == f'key {REDACTED} unknown'


def test_structures_are_redacted_in_every_string_and_keep_their_shape():
    secret = fresh('nested')
    remember(secret)
    value = {'a': [secret, {'b': (f'x {secret}', 3)}], secret[:4]: None, 'n': 1.5}

    assert redact(value) == {'a': [REDACTED, {'b': (f'x {REDACTED}', 3)}], secret[:4]: None, 'n': 1.5}
    assert describe(RuntimeError(f'failed with {secret}')) == f'failed with {REDACTED}'


def test_the_secure_variables_are_secrets_once_parsed_and_the_database_password_too():
    secrets = {name: fresh(name.lower()) for name in (
        'PARTNER_CENTER_CLIENT_SECRET', 'PARTNER_CENTER_REFRESH_TOKEN', 'OVERAGE_WEBHOOK_SECRET',
        'TOKEN_ENCRYPTION_KEY')}
    password = fresh('pw')
    Settings.from_config({**secrets, 'DATABASE_URL': f'postgresql://overage:{password}@db/overage',
                          'PARTNER_CENTER_TENANT_ID': 'contoso.onmicrosoft.com'})

    kept = ['contoso.onmicrosoft.com', 'postgresql://overage']
    text = ' '.join([*secrets.values(), password, *kept])
    assert redact_text(text) == ' '.join([REDACTED] * 5 + kept)


def test_no_catalogue_text_is_changed_by_the_redaction():
    for code in catalogue.CATALOGUE:
        texts = catalogue.render_entry(code, {})
        assert redact(list(texts)) == list(texts), code


def test_upstream_text_is_redacted_as_the_errors_are_built():
    microsoft = PartnerCenterError('rejected', status=400, code=3000,
                                   description=f'Bad header Authorization: Bearer {JWT}',
                                   data=[f'Bearer {JWT}'], source=f'gateway {JWT}')
    public = OverageError('X', f'm {JWT}', f'r {JWT}', f'a {JWT}', 400, {'q': [JWT]})

    assert JWT not in json.dumps(microsoft.to_dict()) + str(microsoft) + repr(microsoft)
    assert JWT not in json.dumps(public.to_body()) + str(public)


def test_the_audit_trail_and_the_webhook_body_keep_no_secret():
    secret = fresh('signing')
    fields = clean_audit_fields({
        'customer_id': 'TA-1', 'actor_type': 'system', 'action': 'webhook', 'outcome': 'failed',
        'error_message': f'receiver said Bearer {JWT}', 'details': {'said': [f'token={secret}']},
    })
    body = encode_event('e1', {'type': 'overage.enable.failed', 'said': f'signed with {secret}'},
                        datetime(2026, 1, 1, tzinfo=UTC), (secret,))

    assert JWT not in fields['error_message']
    assert secret not in json.dumps(fields['details'])
    assert secret.encode() not in body
    assert json.loads(body)['data'] == {'said': f'signed with {REDACTED}'}
