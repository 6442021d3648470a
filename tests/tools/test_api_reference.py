"""docs/api-reference.md is generated from docs/openapi.json, so the reference cannot drift."""
import json

from tools.api_reference import OPENAPI_FILE, REGENERATE_COMMAND, current_reference, reference_markdown


def test_the_reference_page_is_up_to_date():
    page = (OPENAPI_FILE.parent / 'api-reference.md').read_text()
    assert page == current_reference(), f'docs/api-reference.md is stale: run {REGENERATE_COMMAND}'


def test_every_route_and_every_answer_is_in_the_reference():
    document = json.loads(OPENAPI_FILE.read_text())
    page = reference_markdown(document)
    for path, item in document['paths'].items():
        for method, operation in item.items():
            assert f'## `{method.upper()} {path}`' in page
            for status in operation['responses']:
                assert f'| {status} |' in page
