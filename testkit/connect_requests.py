"""Connect request payloads as the events application gets them (``tests/data/requests``)."""
import copy
import json
from pathlib import Path
from typing import Any, Dict


REQUESTS_DIR = Path(__file__).resolve().parent.parent / 'tests' / 'data' / 'requests'


def load_request(name: str, **changes: Any) -> Dict[str, Any]:
    """A payload from tests/data/requests; ``changes`` set top-level keys (status=...)."""
    payload = json.loads((REQUESTS_DIR / f'{name}.json').read_text())
    payload.update(changes)
    return payload


def set_param(payload: Dict[str, Any], param_id: str, value: str) -> Dict[str, Any]:
    """A copy of ``payload`` whose asset parameter ``param_id`` has ``value``."""
    payload = copy.deepcopy(payload)
    for param in payload['asset']['params']:
        if param['id'] == param_id:
            param['value'] = value
    return payload
