"""docs/conformance.md, the record of what the simulators claim about the world, is kept honest:
every row has a known source or says **assumed** (and what would confirm it), ids are unique, and
every id a test cites exists."""
import re
from pathlib import Path
from typing import Dict, List, NamedTuple

import pytest


ROOT = Path(__file__).resolve().parents[2]
RECORD = ROOT / 'docs' / 'conformance.md'
TESTS = ROOT / 'tests'

ROW_ID = re.compile(r'[A-Z]{2}-\d{2}')
SOURCE_DEFINITION = re.compile(r'^- \*\*\[([A-Z0-9-]+)\]\*\*', re.MULTILINE)
SOURCE_KEY = re.compile(r'\[([A-Z0-9-]+)\]')
# "conformance: PC-07" or "conformance: PC-07, PC-12" in a docstring or a comment.
CITATION = re.compile(r'conformance:\s*([A-Z]{2}-\d{2}(?:\s*,\s*[A-Z]{2}-\d{2})*)')
ASSUMED = '**assumed**'


class Row(NamedTuple):
    id: str
    behaviour: str
    source: str
    line: int


def table_rows(text: str) -> List[Row]:
    """The rows of every table whose first cell is a row id (``| PC-01 | … | … |``)."""
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        cells = [cell.strip() for cell in line.strip().strip('|').split('|')]
        if line.lstrip().startswith('|') and cells and ROW_ID.fullmatch(cells[0]):
            assert len(cells) == 3, f'line {number}: a row has an id, a behaviour and a source'
            rows.append(Row(cells[0], cells[1], cells[2], number))
    return rows


def problems(text: str) -> List[str]:
    """What is wrong with a record's text (empty: nothing)."""
    found = []
    defined = set(SOURCE_DEFINITION.findall(text))
    seen: Dict[str, int] = {}
    for row in table_rows(text):
        if row.id in seen:
            found.append(f'{row.id} is used twice (lines {seen[row.id]} and {row.line})')
        seen.setdefault(row.id, row.line)
        if not row.behaviour:
            found.append(f'{row.id} says no behaviour')
        keys = set(SOURCE_KEY.findall(row.source))
        unknown = sorted(keys - defined)
        if unknown:
            found.append(f'{row.id} cites sources the list does not define: {unknown}')
        if ASSUMED in row.source:
            if 'Confirm' not in row.source[row.source.index(ASSUMED):]:
                found.append(f'{row.id} is assumed but does not say what would confirm it')
        elif not keys:
            found.append(f'{row.id} has neither a source nor {ASSUMED}')
    return found


def cited_ids(root: Path) -> Dict[str, List[str]]:
    """Every id cited under ``root`` (``*.py``), with where."""
    cited: Dict[str, List[str]] = {}
    for path in sorted(root.rglob('*.py')):
        for match in CITATION.finditer(path.read_text(encoding='utf-8')):
            for row_id in re.split(r'\s*,\s*', match.group(1)):
                cited.setdefault(row_id, []).append(str(path.relative_to(ROOT)))
    return cited


@pytest.fixture(scope='module')
def record() -> str:
    return RECORD.read_text(encoding='utf-8')


def test_every_row_has_a_source_or_says_assumed_and_ids_are_unique(record):
    assert problems(record) == []


def test_the_partner_center_rows_are_there_and_connect_has_its_place(record):
    ids = [row.id for row in table_rows(record)]

    assert len([row_id for row_id in ids if row_id.startswith('PC-')]) >= 40
    assert re.search(r'^## Partner Center$', record, re.MULTILINE)
    assert re.search(r'^## Connect$', record, re.MULTILINE)


def test_every_cited_id_exists(record):
    ids = {row.id for row in table_rows(record)}

    missing = {row_id: where for row_id, where in cited_ids(TESTS).items() if row_id not in ids}

    assert missing == {}


def test_the_simulator_tests_cite_rows(record):
    cited = cited_ids(TESTS)

    assert any('tests/sandbox/partner_center' in where for places in cited.values()
               for where in places)


# -- the checker itself -------------------------------------------------------------------------

GOOD = """
- **[ERR]** the error codes page.

| id | behaviour | source |
|---|---|---|
| PC-01 | A documented rule. | [ERR] (800111). |
| PC-02 | A guess. | **assumed**: nothing says so. Confirm: try it. |
"""


def test_a_good_record_has_no_problems():
    assert problems(GOOD) == []
    assert [row.id for row in table_rows(GOOD)] == ['PC-01', 'PC-02']


@pytest.mark.parametrize(('bad_row', 'problem'), [
    ('| PC-03 | No source. | the simulator does it |', 'neither a source nor'),
    ('| PC-03 | Empty source. |  |', 'neither a source nor'),
    ('| PC-03 | Unknown source. | [NOPE] |', 'does not define'),
    ('| PC-03 | Assumed, unconfirmable. | **assumed**: why not. |', 'what would confirm'),
    ('| PC-01 | Twice. | [ERR] |', 'used twice'),
    ('| PC-03 |  | [ERR] |', 'says no behaviour'),
])
def test_the_checker_fails_on(bad_row, problem):
    found = problems(GOOD + bad_row + '\n')

    assert len(found) == 1, found
    assert problem in found[0], found


def test_citations_are_found_in_docstrings_and_comments(tmp_path, monkeypatch):
    monkeypatch.setattr(f'{__name__}.ROOT', tmp_path)
    tag = 'conform' 'ance:'  # split, so that this file cites nothing itself
    (tmp_path / 'test_a.py').write_text(
        f'def test_x():\n    """{tag} PC-01, PC-02"""\n\n# {tag} CX-07\n')

    assert cited_ids(tmp_path) == {'PC-01': ['test_a.py'], 'PC-02': ['test_a.py'],
                                   'CX-07': ['test_a.py']}
