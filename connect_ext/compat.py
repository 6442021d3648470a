"""One place for the differences between pydantic 1.10 (the runner's) and pydantic 2 (the next).

Payload models subclass :class:`ApiModel`, request bodies :class:`RequestModel`; models are read
with :func:`parse` and written with :func:`dump`, and a pattern is given with :func:`pattern_kwarg`,
so no module calls ``parse_obj``/``model_validate`` or ``dict``/``model_dump`` itself.
"""
from typing import Any, Dict, Type, TypeVar

import pydantic
from pydantic import BaseModel


PYDANTIC_V2 = pydantic.VERSION.startswith('2')

M = TypeVar('M', bound=BaseModel)


if PYDANTIC_V2:  # pragma: no cover - exercised by the pydantic 2 stack in CI
    from pydantic import ConfigDict

    class ApiModel(BaseModel):
        """A Microsoft or Connect payload: camelCase aliases, unknown fields ignored."""

        model_config = ConfigDict(populate_by_name=True, extra='ignore')

    class RequestModel(BaseModel):
        """A web API request body: unknown fields are an error."""

        model_config = ConfigDict(extra='forbid')

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


def dump(instance: BaseModel, *, by_alias: bool = True, exclude_none: bool = False) -> Dict[str, Any]:
    """The JSON-ready dict of a model (API field names by default)."""
    if PYDANTIC_V2:
        return instance.model_dump(mode='json', by_alias=by_alias, exclude_none=exclude_none)
    import json

    return json.loads(instance.json(by_alias=by_alias, exclude_none=exclude_none))
