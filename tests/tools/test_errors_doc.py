"""The generated error page: docs/errors.md is the catalogue, and one command regenerates every document."""
import subprocess
import sys
from pathlib import Path

from connect_ext.errors import catalogue
from tools import errors_doc


ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / 'docs' / 'errors.md'


# --- the generated documentation -----------------------------------------------------------------

def test_docs_errors_md_is_up_to_date():
    assert DOCS.read_text(encoding='utf-8') == errors_doc.catalogue_markdown(), (
        f'docs/errors.md is stale: run `{errors_doc.REGENERATE_COMMAND}`'
    )


def test_docs_list_every_code_with_its_microsoft_sources():
    text = errors_doc.catalogue_markdown()
    assert text.splitlines()[0].endswith(f'`{errors_doc.REGENERATE_COMMAND}` -->')
    for code, item in catalogue.CATALOGUE.items():
        assert f'\n## {code}\n' in text
        assert item.message in text
    assert '| [`OVERAGE_HELD_BY_OTHER_PARTNER`](#overage_held_by_other_partner) | 409 | blocking' \
        ' | enable, create, disable | no | code 800115 |' in text
    assert 'code 1000, code 60003, code 900118' in text
    assert 'HTTP 429, failure `throttled`' in text
    assert '| any other code or status |' in text


def test_the_command_finds_every_generated_document_up_to_date():
    result = subprocess.run(
        [sys.executable, '-m', 'tools', '--check'],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert (result.returncode, result.stdout) == (0, ''), result.stdout + result.stderr


def test_the_check_names_a_stale_document(tmp_path, monkeypatch):
    import tools.__main__ as command

    (tmp_path / 'docs').mkdir()
    for name in command.documents():
        (tmp_path / name).write_text((ROOT / name).read_text(encoding='utf-8'), encoding='utf-8')
    (tmp_path / errors_doc.OUTPUT).write_text('stale\n', encoding='utf-8')
    monkeypatch.setattr(command, 'ROOT', tmp_path)
    assert command.main(['--check']) == 1
    assert (tmp_path / errors_doc.OUTPUT).read_text(encoding='utf-8') == 'stale\n'
    assert command.main([]) == 0
    assert (tmp_path / errors_doc.OUTPUT).read_text(encoding='utf-8') == errors_doc.catalogue_markdown()
