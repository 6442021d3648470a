"""docs/openapi.json is what the app serves at /openapi/spec.json, and it documents every route,
body and error answer."""
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from connect_ext.compat import PYDANTIC_V2
from connect_ext.webapp import OverageWebApplication
from tools.openapi import REGENERATE_COMMAND, SPEC_URL, build_openapi, render, runner_like_app


DOCUMENT = Path(__file__).resolve().parents[2] / 'docs' / 'openapi.json'
ROUTES = {
    ('get', '/api/customers'),
    ('get', '/api/customers/{customer_id}/overage'),
    ('put', '/api/customers/{customer_id}/overage'),
    ('get', '/api/customers/{customer_id}/overage/options'),
    ('get', '/api/customers/{customer_id}/overage/history'),
    ('put', '/api/customers/{customer_id}/overage/handover'),
    ('get', '/api/customers/{customer_id}/overage/handover'),
    ('delete', '/api/customers/{customer_id}/overage/handover'),
    ('post', '/api/customers/{customer_id}/agreements/microsoft-customer-agreement'),
    ('get', '/api/assets/{asset_id}/overage'),
    ('get', '/api/history'),
    ('get', '/api/items'),
    ('get', '/api/settings'),
    ('get', '/api/settings/connection'),
    ('get', '/api/settings/applicable'),
    ('get', '/api/caller'),
}
ERROR_REF = '#/components/schemas/ErrorBody'


@pytest.fixture(scope='module')
def served():
    with TestClient(runner_like_app(OverageWebApplication)) as client:
        response = client.get(SPEC_URL)
    assert response.status_code == 200
    return response.json()


@pytest.fixture(scope='module')
def checked_in():
    return json.loads(DOCUMENT.read_text())


def operations(document):
    for path, methods in document['paths'].items():
        for method, operation in methods.items():
            yield method, path, operation


def schema_ref(response):
    return response.get('content', {}).get('application/json', {}).get('schema', {}).get('$ref')


def shape(document):
    """What must not differ between the pydantic 1 and 2 stacks: routes, parameters, bodies,
    answers and the fields of every model (pydantic 2 spells optional fields differently)."""
    return {
        'paths': {
            (method, path): {
                'parameters': sorted((p['in'], p['name'], p.get('required', False))
                                     for p in operation.get('parameters', [])),
                'body': schema_ref(operation.get('requestBody', {})),
                'responses': {code: (schema_ref(answer), sorted(answer.get('headers', {})))
                              for code, answer in operation['responses'].items()},
            }
            for method, path, operation in operations(document)
        },
        'schemas': {
            name: (sorted(schema.get('properties', {})), sorted(schema.get('required', [])),
                   sorted(nullable(schema)))
            for name, schema in document['components']['schemas'].items()
        },
    }


def nullable(schema):
    """The properties of ``schema`` that may be null (``anyOf`` with ``{"type": "null"}``)."""
    return {name for name, prop in schema.get('properties', {}).items()
            if {'type': 'null'} in prop.get('anyOf', [])}


def test_the_checked_in_document_is_what_the_app_serves(served, checked_in):
    message = f'docs/openapi.json is out of date: regenerate it with `{REGENERATE_COMMAND}`'
    if PYDANTIC_V2:
        # Generated on the runner's stack (pydantic 1); pydantic 2 words optional fields anew.
        assert shape(served) == shape(checked_in), message
    else:
        assert served == checked_in, message
        assert render(build_openapi()) == DOCUMENT.read_text(), message


def test_every_route_is_documented(served):
    assert {(method, path) for method, path, _ in operations(served)} == ROUTES
    assert served['info']['title'] == OverageWebApplication.get_descriptor()['name']


def test_every_route_documents_the_error_shape(served):
    for method, path, operation in operations(served):
        responses = operation['responses']
        for status in ('403', '422', '500'):
            assert schema_ref(responses[status]) == ERROR_REF, (method, path, status)
        errors = [code for code in responses if code.startswith(('4', '5'))]
        assert all(schema_ref(responses[code]) == ERROR_REF for code in errors), (method, path)
        assert 'HTTPValidationError' not in json.dumps(operation)


def test_the_change_documents_its_body_headers_and_answers(served):
    operation = served['paths']['/api/customers/{customer_id}/overage']['put']
    assert schema_ref(operation['requestBody']) == '#/components/schemas/OverageChangeRequest'
    assert {p['name'] for p in operation['parameters'] if p['in'] == 'header'} == {
        'if-match', 'idempotency-key',
    }
    assert {'200', '202', '409', '412', '429', '503'} <= set(operation['responses'])
    assert 'ETag' in operation['responses']['200']['headers']
    assert 'Retry-After' in operation['responses']['429']['headers']
    body = served['components']['schemas']['OverageChangeRequest']
    # Either field may be left out (the view refuses a body with neither or both, see test_creation).
    assert set(body['properties']) == {'azure_subscription_id', 'create_azure_subscription'}
    assert 'required' not in body
    assert body['additionalProperties'] is False


def test_connects_internal_headers_are_not_documented(served):
    text = json.dumps(served).lower()
    assert 'x-connect-' not in text
    assert 'connect-auth' not in text


# Fields an answer really leaves null (issue 20, item 8): the document must say so, on both stacks.
NULLABLE = {
    'CustomerInfo': {'name', 'tenant_id', 'country', 'tier1_id', 'tier2_id'},
    'OverageStateBody': {'azure_subscription_id', 'partner_id', 'azure_plan', 'azure_subscription',
                         'pending_confirmation'},
    'OvgSubscription': {'offer_id', 'name', 'status', 'partner_id'},
    'HistoryEntry': {'error', 'ms_request_id', 'ms_correlation_id'},
    'SettingsBody': {'webhook_url', 'store_warning'},
    'OverageChangeRequest': {'azure_subscription_id'},
}


@pytest.mark.parametrize('document', ['served', 'checked_in'])
def test_every_field_an_answer_leaves_null_is_nullable(document, request):
    schemas = request.getfixturevalue(document)['components']['schemas']

    for name, fields in NULLABLE.items():
        assert fields <= nullable(schemas[name]), name
    assert nullable(schemas['ErrorDetail']) == set()  # and nothing is nullable that never is


def test_the_idempotency_key_format_is_documented(checked_in):
    operation = checked_in['paths']['/api/customers/{customer_id}/overage']['put']
    [key] = [p for p in operation['parameters'] if p['name'] == 'idempotency-key']

    assert key['schema']['pattern'] == '^[\\x21-\\x7e]{1,255}$'
    assert (key['schema']['minLength'], key['schema']['maxLength']) == (1, 255)
    assert '255 visible ASCII' in key['description']


def test_every_route_with_a_body_documents_the_bodys_refusals(checked_in):
    for method, path, operation in operations(checked_in):
        if 'requestBody' in operation:
            assert {'400', '413'} <= set(operation['responses']), (method, path)
            assert schema_ref(operation['responses']['413']) == ERROR_REF
