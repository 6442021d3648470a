"""Print pip requirements for a dependency stack from pyproject.toml (one source for both stacks).

The runner's stack is installed from poetry.lock, the way Connect installs the extension. The next
stack (the next runner: connect-eaas-core 38, pydantic 2) cannot be: the lock holds the runner's
versions. It is installed with pip from the same dependency lists, every package pinned by the
stack's constraints file taken from that file instead::

    python scripts/stack_requirements.py constraints/next.txt > requirements.txt
    pip install -r requirements.txt && pip install --no-deps -e .
"""
import re
import sys
import tomllib
from pathlib import Path
from typing import Dict, Iterator, List


ROOT = Path(__file__).resolve().parents[1]
# The groups a stack needs to run the whole suite (not the runner group: it pins eaas-core < 38).
GROUPS = ('test', 'browser', 'docs')


def _requirement(name: str, spec) -> str:
    if isinstance(spec, str):
        return f'{name}{"" if spec == "*" else spec}'
    extras = f'[{",".join(spec["extras"])}]' if spec.get('extras') else ''
    version = spec.get('version', '*')
    return f'{name}{extras}{"" if version == "*" else version}'


def dependencies(pyproject: Dict) -> Iterator[str]:
    """The project's own requirements, then its groups', as pip requirements."""
    poetry = pyproject['tool']['poetry']
    for name, spec in poetry['dependencies'].items():
        if name != 'python':
            yield _requirement(name, spec)
    for group in GROUPS:
        for name, spec in poetry['group'][group]['dependencies'].items():
            yield _requirement(name, spec)


def _name(requirement: str) -> str:
    return re.split(r'[\[<>=!~ ;]', requirement, maxsplit=1)[0].strip().lower().replace('_', '-')


def stack_requirements(pyproject: Dict, constraints: List[str]) -> List[str]:
    """The pyproject's requirements, each package the constraints name taken from them instead."""
    pinned = {_name(line): line for line in constraints}
    lines = [requirement for requirement in dependencies(pyproject) if _name(requirement) not in pinned]
    return [*lines, *pinned.values()]


def _constraint_lines(path: Path) -> List[str]:
    lines = (line.split('#', 1)[0].strip() for line in path.read_text(encoding='utf-8').splitlines())
    return [line for line in lines if line]


def main(argv: List[str]) -> int:
    if len(argv) != 1:
        sys.stderr.write('usage: python scripts/stack_requirements.py CONSTRAINTS_FILE\n')
        return 2
    pyproject = tomllib.loads((ROOT / 'pyproject.toml').read_text(encoding='utf-8'))
    lines = stack_requirements(pyproject, _constraint_lines(Path(argv[0])))
    sys.stdout.write(''.join(f'{line}\n' for line in lines))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
