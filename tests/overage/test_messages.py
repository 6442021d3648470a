import subprocess
import sys
from pathlib import Path

import pytest

from connect_ext.overage import messages
from connect_ext.overage.errors import OverageError


ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / 'docs' / 'errors.md'
CODES = list(messages.CATALOGUE)
ERROR_CODES = [code for code, item in messages.CATALOGUE.items() if item.http_status is not None]
ALL_PLACEHOLDERS = sorted({
    name
    for item in messages.CATALOGUE.values()
    for template in (item.message, item.reason, item.action)
    for name in messages.placeholders(template)
})
SAMPLE_PARAMS = {name: f'<{name}>' for name in ALL_PLACEHOLDERS}


def texts(item):
    return item.message, item.reason, item.action


@pytest.mark.parametrize('code', CODES)
def test_entry_is_complete(code):
    item = messages.entry(code)
    assert item.code == code
    assert code == code.upper()
    assert code.replace('_', '').isalpha()
    assert item.severity in messages.SEVERITIES
    assert all(text.strip() for text in texts(item))
    assert set(item.blocks) <= set(messages.INTENTS)
    if item.severity == messages.BLOCKING:
        assert item.blocks, 'a blocking finding must say what it blocks'
        assert item.http_status in (403, 409, 422)
    else:
        assert item.blocks == ()
    if item.severity == messages.ERROR:
        assert item.http_status is not None
    if item.transient:
        assert item.http_status in (429, 502, 503, 504)


@pytest.mark.parametrize('code', CODES)
def test_every_placeholder_is_optional(code):
    for template in texts(messages.entry(code)):
        assert messages.mandatory_placeholders(template) == ()


@pytest.mark.parametrize('code', CODES)
def test_renders_without_params(code):
    for text in messages.render_entry(code):
        assert text
        assert text[-1] in '.!?'
        for leftover in ('{', '}', '[', ']', messages.NOT_KNOWN, '  ', ' .', ' ,'):
            assert leftover not in text, (code, text)


@pytest.mark.parametrize('code', CODES)
def test_renders_with_every_param(code):
    item = messages.entry(code)
    rendered = messages.render_entry(code, SAMPLE_PARAMS)
    for template, text in zip(texts(item), rendered):
        for name in messages.placeholders(template):
            assert f'<{name}>' in text, (code, name)
        assert '{' not in text
        assert '[' not in text


@pytest.mark.parametrize('code', ERROR_CODES)
def test_every_error_code_builds_the_public_shape(code):
    error = OverageError.from_code(code, **SAMPLE_PARAMS)
    body = error.to_body()
    assert list(body) == ['error']
    assert list(body['error']) == ['code', 'message', 'reason', 'action', 'details']
    assert body['error']['code'] == code
    assert error.http_status == messages.entry(code).http_status
    assert body['error']['details'] == SAMPLE_PARAMS
    bare = OverageError.from_code(code)
    assert bare.details == {}
    assert str(bare) == f'{code}: {bare.message}'


def test_web_layer_codes_are_in_the_catalogue():
    expected = {
        'VALIDATION_FAILED': 422, 'CUSTOMER_NOT_FOUND': 404, 'FORBIDDEN': 403,
        'STALE_STATE': 412, 'IDEMPOTENCY_KEY_REUSED': 422, 'TENANT_ID_UNKNOWN': 422,
        'INTERNAL_ERROR': 500, 'CHANGE_NOT_CONFIRMED': 202,
    }
    assert {code: messages.entry(code).http_status for code in expected} == expected


def test_validation_failed_reads_with_and_without_detail():
    assert OverageError.from_code('VALIDATION_FAILED').message == 'The request is not valid.'
    error = OverageError.from_code(
        'VALIDATION_FAILED', problem='azure_subscription_id is not a GUID',
        field='azure_subscription_id',
    )
    assert error.message == 'The request is not valid: azure_subscription_id is not a GUID.'
    assert error.reason == 'A field is missing or malformed (azure_subscription_id).'


def test_internal_error_quotes_a_reference_and_nothing_else():
    error = OverageError.from_code('INTERNAL_ERROR', reference='req-7f3a')
    assert error.action == (
        'Retry. If it happens again, contact support and quote reference req-7f3a.'
    )
    assert 'Traceback' not in str(error.to_body())


def test_explicit_details_replace_the_params():
    error = OverageError.from_code('STALE_STATE', details={'etag': '"abc"'})
    assert error.details == {'etag': '"abc"'}
    assert error.http_status == 412


def test_findings_without_http_status_are_not_errors():
    with pytest.raises(ValueError, match='warning finding, not an error'):
        OverageError.from_code('OVERAGE_COLLECTS_ALL_PARTNERS')
    with pytest.raises(KeyError, match='NOT_A_CODE'):
        OverageError.from_code('NOT_A_CODE')


def test_transient_flag_follows_the_catalogue():
    assert OverageError.from_code('MICROSOFT_UNAVAILABLE').transient is True
    assert OverageError.from_code('OVERAGE_HELD_BY_OTHER_PARTNER').transient is False
    assert OverageError('HANDMADE', 'm', 'r', 'a', 500).transient is False


def test_retry_after_seconds_rounds_up():
    error = OverageError.from_code('THROTTLED', retry_after=2.1, retry_after_seconds=3)
    assert error.retry_after_seconds == 3
    assert error.action == 'Wait 3 seconds before trying again.'


# --- rendering odd values ------------------------------------------------------------------------

@pytest.mark.parametrize(('params', 'expected'), [
    ({}, 'A.'),
    ({'x': None}, 'A.'),
    ({'x': ''}, 'A.'),
    ({'x': []}, 'A.'),
    ({'x': 0}, 'A (0).'),
    ({'x': 57.0}, 'A (57).'),
    ({'x': 2.5}, 'A (2.5).'),
    ({'x': ['b', 'a']}, 'A (b, a).'),
    ({'x': {'b', 'a'}}, 'A (a, b).'),
    ({'x': '{y}'}, 'A ({y}).'),
    ({'x': '[z]'}, 'A ([z]).'),
    ({'x': '{x}'}, 'A ({x}).'),
])
def test_render_values(params, expected):
    assert messages.render('A[ ({x})].', params) == expected


def test_mandatory_placeholder_without_value_is_neutral():
    assert messages.render('Tenant {tenant_id} unknown', {}) == 'Tenant (not known) unknown'
    filled = messages.render('Tenant {tenant_id} unknown', {'tenant_id': 'abc'})
    assert filled == 'Tenant abc unknown'


def test_optional_part_needs_all_its_values():
    template = 'Error[ {code} at {path}].'
    assert messages.render(template, {'code': 1}) == 'Error.'
    assert messages.render(template, {'code': 1, 'path': '/x'}) == 'Error 1 at /x.'


# --- the generated documentation -----------------------------------------------------------------

def test_docs_errors_md_is_up_to_date():
    assert DOCS.read_text(encoding='utf-8') == messages.catalogue_markdown(), (
        f'docs/errors.md is stale: run `{messages.REGENERATE_COMMAND}`'
    )


def test_docs_list_every_code_with_its_microsoft_sources():
    text = messages.catalogue_markdown()
    assert text.splitlines()[0].endswith(f'`{messages.REGENERATE_COMMAND}` -->')
    for code, item in messages.CATALOGUE.items():
        assert f'\n## {code}\n' in text
        assert item.message in text
    assert '| [`OVERAGE_HELD_BY_OTHER_PARTNER`](#overage_held_by_other_partner) | 409 | blocking' \
        ' | enable, disable | no | code 800115 |' in text
    assert 'code 1000, code 60003, code 900118' in text
    assert 'HTTP 429, failure `throttled`' in text
    assert '| any other code or status |' in text


def test_the_module_prints_the_docs():
    result = subprocess.run(
        [sys.executable, '-m', 'connect_ext.overage.messages'],
        cwd=ROOT, capture_output=True, text=True, check=True, timeout=60,
    )
    assert result.stdout == messages.catalogue_markdown()
    assert result.stderr == ""
