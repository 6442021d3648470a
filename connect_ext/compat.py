"""One place for the differences between pydantic 1.10 (the runner's) and pydantic 2 (the next).

Payload models subclass :class:`ApiModel`, request bodies :class:`RequestModel`, the web API's
answers :class:`ResponseModel`; models are read with :func:`parse` and written with :func:`dump`, a
pattern is given with :func:`pattern_kwarg` and a schema-only keyword with :func:`schema_extra`, so
no module calls ``parse_obj``/``model_validate`` or ``dict``/``model_dump`` itself.

The OpenAPI document is built from these models on either stack and must say the same: a field that
may be ``None`` is nullable (``anyOf: [<schema>, {"type": "null"}]``). Pydantic 2 writes that for
every ``Optional`` field; pydantic 1 writes nothing, so :class:`ResponseModel` and
:class:`RequestModel` add it there (:func:`_nullable_optionals`).
"""
from typing import Any, Dict, Set, Type, TypeVar

import pydantic
from pydantic import BaseModel


PYDANTIC_V2 = pydantic.VERSION.startswith('2')

M = TypeVar('M', bound=BaseModel)


def _nullable_optionals(schema: Dict[str, Any], model: Any) -> None:
    """Pydantic 1's ``schema_extra``: each field that may be ``None`` becomes nullable, as pydantic
    2 writes it (its title, description and default stay beside the ``anyOf``)."""
    properties = schema.get('properties') or {}
    for field in model.__fields__.values():
        prop = properties.get(field.alias)
        if not field.allow_none or prop is None or 'anyOf' in prop:
            continue
        meta = {key: prop.pop(key) for key in ('title', 'description', 'default') if key in prop}
        if list(prop) == ['allOf'] and len(prop['allOf']) == 1:
            prop = prop['allOf'][0]
        properties[field.alias] = {**meta, 'anyOf': [prop, {'type': 'null'}]}


if PYDANTIC_V2:  # pragma: no cover - exercised by the pydantic 2 stack in CI
    from pydantic import ConfigDict

    class ApiModel(BaseModel):
        """A Microsoft or Connect payload: camelCase aliases, unknown fields ignored."""

        model_config = ConfigDict(populate_by_name=True, extra='ignore')

    class RequestModel(BaseModel):
        """A web API request body: unknown fields are an error."""

        model_config = ConfigDict(extra='forbid')

    class ResponseModel(BaseModel):
        """A web API answer (its ``Optional`` fields are nullable in the document)."""

else:  # pragma: no cover - exercised by the pydantic 1 stack in CI

    class ApiModel(BaseModel):
        """A Microsoft or Connect payload: camelCase aliases, unknown fields ignored."""

        class Config:
            allow_population_by_field_name = True
            extra = 'ignore'

    class RequestModel(BaseModel):
        """A web API request body: unknown fields are an error."""

        class Config:
            extra = 'forbid'
            schema_extra = staticmethod(_nullable_optionals)

    class ResponseModel(BaseModel):
        """A web API answer (its ``Optional`` fields are nullable in the document)."""

        class Config:
            schema_extra = staticmethod(_nullable_optionals)


def schema_extra(**values: Any) -> Dict[str, Any]:
    """The ``Field``/``Header`` keywords that put ``values`` into the schema and validate nothing
    (FastAPI's ``json_schema_extra``, on both stacks)."""
    return {'json_schema_extra': values}


# The keyword of a regular expression in Field()/Query(): pydantic 2 renamed it; and the error
# type a mismatch is reported with.
PATTERN_KEYWORD = 'pattern' if PYDANTIC_V2 else 'regex'
PATTERN_ERROR_TYPE = 'string_pattern_mismatch' if PYDANTIC_V2 else 'value_error.str.regex'


def pattern_kwarg(pattern: str) -> Dict[str, str]:
    """The ``Field``/``Query`` keyword of a regular expression on both pydantic majors."""
    return {PATTERN_KEYWORD: pattern}


def parse(model: Type[M], data: Any) -> M:
    """Validate ``data`` (a dict, usually JSON from an API) into ``model``."""
    if PYDANTIC_V2:
        return model.model_validate(data)
    return model.parse_obj(data)


def fields_set(instance: BaseModel) -> Set[str]:
    """The fields a request actually gave (defaults left out)."""
    return set(instance.model_fields_set if PYDANTIC_V2 else instance.__fields_set__)


def dump(instance: BaseModel, *, by_alias: bool = True, exclude_none: bool = False) -> Dict[str, Any]:
    """The JSON-ready dict of a model (API field names by default)."""
    if PYDANTIC_V2:
        return instance.model_dump(mode='json', by_alias=by_alias, exclude_none=exclude_none)
    import json

    return json.loads(instance.json(by_alias=by_alias, exclude_none=exclude_none))
