"""The web API reference page (``docs/api-reference.md``), generated from the OpenAPI document.

The page is derived from ``docs/openapi.json`` (itself what the app serves), so the reference cannot
drift from the routes; a test compares them. ``python -m tools`` regenerates it.
"""
import json
from pathlib import Path
from typing import Any, Dict, List


REGENERATE_COMMAND = 'python -m tools'
OUTPUT = 'docs/api-reference.md'
OPENAPI_FILE = Path(__file__).resolve().parents[1] / 'docs' / 'openapi.json'
_METHODS = ('get', 'put', 'post', 'patch', 'delete')


def _cell(text: Any) -> str:
    return ' '.join(str(text or '').split()).replace('|', '\\|')


def _schema_name(schema: Dict[str, Any]) -> str:
    ref = schema.get('$ref') or next(
        (part.get('$ref') for part in schema.get('allOf', []) + schema.get('anyOf', []) if '$ref' in part),
        None,
    )
    if ref:
        return ref.rsplit('/', 1)[-1]
    return schema.get('type', 'object')


def _body_schema(content: Dict[str, Any]) -> str:
    media = content.get('application/json') or next(iter(content.values()), {})
    return _schema_name(media.get('schema', {}))


def _operation(path: str, method: str, operation: Dict[str, Any]) -> List[str]:
    lines = [f'## `{method.upper()} {path}`', '']
    if operation.get('summary'):
        lines += [_cell(operation['summary']), '']
    if operation.get('description'):
        lines += [operation['description'].strip(), '']
    parameters = operation.get('parameters', [])
    if parameters:
        lines += ['| parameter | in | required | meaning |', '|---|---|---|---|']
        for param in parameters:
            lines.append(
                f"| `{param['name']}` | {param.get('in', '')} | "
                f"{'yes' if param.get('required') else 'no'} | "
                f"{_cell(param.get('description') or param.get('schema', {}).get('title'))} |"
            )
        lines.append('')
    body = operation.get('requestBody')
    if body:
        lines += [f"Request body: `{_body_schema(body.get('content', {}))}`.", '']
    lines += ['| status | meaning | body |', '|---|---|---|']
    for status, answer in sorted(operation.get('responses', {}).items()):
        schema = _body_schema(answer.get('content', {})) if answer.get('content') else ''
        lines.append(f"| {status} | {_cell(answer.get('description'))} | {f'`{schema}`' if schema else ''} |")
    return [*lines, '']


def reference_markdown(document: Dict[str, Any]) -> str:
    lines = [
        '# Web API reference',
        '',
        f'Generated from [openapi.json](openapi.json) by `{REGENERATE_COMMAND}`; do not edit by hand.',
        'Every error answer has the shape of `ErrorBody`; the codes are in the '
        '[error catalogue](errors.md).',
        '',
    ]
    for path, item in sorted(document.get('paths', {}).items()):
        for method in _METHODS:
            if method in item:
                lines += _operation(path, method, item[method])
    return '\n'.join(lines).rstrip() + '\n'


def current_reference() -> str:
    return reference_markdown(json.loads(OPENAPI_FILE.read_text()))
