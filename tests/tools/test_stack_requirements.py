"""The next stack installs the pyproject's own dependency lists, with its constraints file deciding the
packages it names (scripts/stack_requirements.py)."""
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest


ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / 'scripts'))
import stack_requirements  # noqa: E402


def test_every_dependency_of_the_main_and_test_groups_is_there_and_the_constraints_decide_theirs():
    pyproject = tomllib.loads((ROOT / 'pyproject.toml').read_text(encoding='utf-8'))
    constraints = ['connect-eaas-core>=38,<39', 'pydantic>=2.12,<3']

    lines = stack_requirements.stack_requirements(pyproject, constraints)

    names = [stack_requirements._name(line) for line in lines]
    poetry = pyproject['tool']['poetry']
    wanted = {name for name in poetry['dependencies'] if name != 'python'}
    for group in stack_requirements.GROUPS:
        wanted |= set(poetry['group'][group]['dependencies'])
    assert set(names) == wanted
    assert len(names) == len(set(names))
    assert lines[-2:] == constraints
    assert 'psycopg[binary]>=3.1' in lines
    assert 'connect-extension-runner' not in names  # it pins the runner's stack


@pytest.mark.parametrize(('name', 'spec', 'line'), [
    ('requests', '>=2.31', 'requests>=2.31'),
    ('anything', '*', 'anything'),
    ('psycopg', {'version': '>=3.1', 'extras': ['binary']}, 'psycopg[binary]>=3.1'),
    ('plain', {'version': '*'}, 'plain'),
])
def test_poetry_specs_become_pip_requirements(name, spec, line):
    assert stack_requirements._requirement(name, spec) == line


def test_the_command_prints_the_next_stack(tmp_path):
    constraints = tmp_path / 'next.txt'
    constraints.write_text('# a comment\npydantic>=2.12,<3  # pinned\n\n', encoding='utf-8')

    run = subprocess.run(  # noqa: S603 - this interpreter, the project's script
        [sys.executable, str(ROOT / 'scripts' / 'stack_requirements.py'), str(constraints)],
        capture_output=True, text=True, check=False, timeout=60,
    )

    assert run.returncode == 0, run.stderr
    printed = run.stdout.splitlines()
    assert printed[-1] == 'pydantic>=2.12,<3'
    assert 'connect-eaas-core>=37.4,<38' in printed  # not constrained here: the pyproject's range
    usage = subprocess.run([sys.executable, str(ROOT / 'scripts' / 'stack_requirements.py')],  # noqa: S603
                           capture_output=True, text=True, check=False, timeout=60)
    assert usage.returncode == 2
