"""The OpenAPI document of the web API, built the way the runner serves it at /openapi/spec.json.

The runner (connect-extension-runner) builds the document from the web application's routes with
FastAPI's ``get_openapi`` (title, description and version from ``extension.json``; the API under
``/api``) and drops Connect's internal ``x-connect-*`` headers. :func:`build_openapi` does the same,
so ``docs/openapi.json`` is exactly what is served; ``python -m tools`` regenerates it.
"""
import json
from typing import Any, Dict

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from connect_ext.webapp import OverageWebApplication


REGENERATE_COMMAND = 'python -m tools'
OUTPUT = 'docs/openapi.json'
SPEC_URL = '/openapi/spec.json'


def runner_like_app(webapp_class) -> FastAPI:
    """A FastAPI app with the routes mounted as the runner mounts them, serving the document."""
    app = FastAPI(openapi_url=SPEC_URL)
    auth, no_auth = webapp_class.get_routers()
    app.include_router(auth, prefix='/api')
    app.include_router(no_auth, prefix='/guest')

    def openapi() -> Dict[str, Any]:
        if not app.openapi_schema:
            app.openapi_schema = _document(webapp_class, app)
        return app.openapi_schema

    app.openapi = openapi
    return app


def _document(webapp_class, app: FastAPI) -> Dict[str, Any]:
    descriptor = webapp_class.get_descriptor()
    document = get_openapi(
        title=descriptor.get('name', 'Unnamed API'),
        description=descriptor.get('description', ''),
        version=descriptor.get('version', '0.0.0'),
        routes=app.routes,
    )
    for path in document.get('paths', {}).values():
        for operation in path.values():
            operation['parameters'] = [
                param for param in operation.get('parameters', [])
                if not (param['in'] == 'header' and param['name'].lower().startswith('x-connect-'))
            ]
    return document


def build_openapi(webapp_class=OverageWebApplication) -> Dict[str, Any]:
    return runner_like_app(webapp_class).openapi()


def render(document: Dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True) + '\n'
