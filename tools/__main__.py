"""``python -m tools [--check]``: regenerate (or check) every generated document under ``docs/``."""
import argparse
import json
import sys
from pathlib import Path
from typing import Callable, Dict

from connect_ext.compat import PYDANTIC_V2
from tools import api_reference, errors_doc, openapi


ROOT = Path(__file__).resolve().parents[1]


def documents() -> Dict[str, Callable[[], str]]:
    """Each generated file (relative to the repository) and how its text is made, in build order.

    ``docs/openapi.json`` is what the runner's stack (pydantic 1) serves; pydantic 2 words optional
    fields anew, so on the next stack it is neither written nor checked here (``tests/tools`` compares
    its shape on both stacks).
    """
    if PYDANTIC_V2:
        return {errors_doc.OUTPUT: errors_doc.catalogue_markdown}
    return {
        openapi.OUTPUT: lambda: openapi.render(openapi.build_openapi()),
        # Built from the OpenAPI text just written (or checked), exactly as the tests read it.
        api_reference.OUTPUT: lambda: api_reference.reference_markdown(
            json.loads((ROOT / openapi.OUTPUT).read_text(encoding='utf-8')),
        ),
        errors_doc.OUTPUT: errors_doc.catalogue_markdown,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog='python -m tools', description=__doc__)
    parser.add_argument('--check', action='store_true', help='write nothing; exit 1 if a document is stale')
    check = parser.parse_args(argv).check
    stale = []
    for name, build in documents().items():
        path = ROOT / name
        text = build()
        if path.read_text(encoding='utf-8') != text:
            stale.append(name)
            if not check:
                path.write_text(text, encoding='utf-8')
    for name in stale:
        sys.stdout.write(f"{'stale' if check else 'rewrote'}: {name}\n")
    return 1 if check and stale else 0


if __name__ == '__main__':  # pragma: no cover - the regeneration command
    sys.exit(main())
