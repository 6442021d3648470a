"""The catalogue: every code complete, rendered the same everywhere, and the texts a user reads."""
import pytest

from connect_ext import vocabulary
from connect_ext.errors import catalogue, templates
from connect_ext.errors.error import OverageError


CODES = list(catalogue.CATALOGUE)
ERROR_CODES = [code for code, item in catalogue.CATALOGUE.items() if item.http_status is not None]
ALL_PLACEHOLDERS = sorted({
    name
    for item in catalogue.CATALOGUE.values()
    for template in (item.message, item.reason, item.action)
    for name in templates.placeholders(template)
})
SAMPLE_PARAMS = {name: f'<{name}>' for name in ALL_PLACEHOLDERS}


def texts(item):
    return item.message, item.reason, item.action


@pytest.mark.parametrize('code', CODES)
def test_entry_is_complete(code):
    item = catalogue.entry(code)
    assert item.code == code
    assert code == code.upper()
    assert code.replace('_', '').isalpha()
    assert item.severity in vocabulary.SEVERITIES
    assert all(text.strip() for text in texts(item))
    assert set(item.blocks) <= set(vocabulary.INTENTS)
    if item.severity == vocabulary.BLOCKING:
        assert item.blocks, 'a blocking finding must say what it blocks'
        assert item.http_status in (403, 409, 422)
    else:
        assert item.blocks == ()
    if item.severity == vocabulary.ERROR:
        assert item.http_status is not None
    if item.transient:
        assert item.http_status in (429, 502, 503, 504)


@pytest.mark.parametrize('code', CODES)
def test_every_placeholder_is_optional(code):
    for template in texts(catalogue.entry(code)):
        assert templates.mandatory_placeholders(template) == ()


@pytest.mark.parametrize('code', CODES)
def test_renders_without_params(code):
    for text in catalogue.render_entry(code):
        assert text
        assert text[-1] in '.!?'
        for leftover in ('{', '}', '[', ']', templates.NOT_KNOWN, '  ', ' .', ' ,'):
            assert leftover not in text, (code, text)


@pytest.mark.parametrize('code', CODES)
def test_renders_with_every_param(code):
    item = catalogue.entry(code)
    rendered = catalogue.render_entry(code, SAMPLE_PARAMS)
    for template, text in zip(texts(item), rendered, strict=True):
        for name in templates.placeholders(template):
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
    assert error.http_status == catalogue.entry(code).http_status
    # The variables an entry is about are for the administrator: in the details, not the words.
    settings = {'settings': list(catalogue.entry(code).settings)} if catalogue.entry(code).settings else {}
    assert body['error']['details'] == {**SAMPLE_PARAMS, **settings}
    bare = OverageError.from_code(code)
    assert bare.details == settings
    assert str(bare) == f'{code}: {bare.message}'


def test_web_layer_codes_are_in_the_catalogue():
    expected = {
        'VALIDATION_FAILED': 422, 'CUSTOMER_NOT_FOUND': 404, 'FORBIDDEN': 403,
        'STALE_STATE': 412, 'IDEMPOTENCY_KEY_REUSED': 422, 'TENANT_ID_UNKNOWN': 422,
        'INTERNAL_ERROR': 500, 'CHANGE_NOT_CONFIRMED': 202,
    }
    assert {code: catalogue.entry(code).http_status for code in expected} == expected


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
    assert templates.render('A[ ({x})].', params) == expected


def test_mandatory_placeholder_without_value_is_neutral():
    assert templates.render('Tenant {tenant_id} unknown', {}) == 'Tenant (not known) unknown'
    filled = templates.render('Tenant {tenant_id} unknown', {'tenant_id': 'abc'})
    assert filled == 'Tenant abc unknown'


def test_optional_part_needs_all_its_values():
    template = 'Error[ {code} at {path}].'
    assert templates.render(template, {'code': 1}) == 'Error.'
    assert templates.render(template, {'code': 1, 'path': '/x'}) == 'Error 1 at /x.'
