"""The store package imports without cycles: each module imports only modules below it.

A static walk of the package's ``import`` statements finds a cycle however the modules happen to
be imported first; a fresh interpreter per module proves each one imports on its own.
"""
import ast
from pathlib import Path
from typing import Dict, Iterator, List, Set

import connect_ext.store


PACKAGE = 'connect_ext.store'
PACKAGE_DIR = Path(connect_ext.store.__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parents[1]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE_DIR).with_suffix('').parts)
    if parts[-1] == '__init__':
        parts.pop()
    return '.'.join([PACKAGE, *parts])


MODULES: Dict[str, Path] = {_module_name(path): path for path in sorted(PACKAGE_DIR.rglob('*.py'))}


def _imported_names(node: ast.AST, module: str, path: Path) -> Iterator[str]:
    """The absolute names an ``import`` or ``from ... import`` statement refers to."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            yield alias.name
    elif isinstance(node, ast.ImportFrom):
        if node.level:
            package = module if path.name == '__init__.py' else module.rpartition('.')[0]
            for _ in range(node.level - 1):
                package = package.rpartition('.')[0]
            base = f'{package}.{node.module}' if node.module else package
        else:
            base = node.module or ''
        yield base
        for alias in node.names:  # ``from connect_ext.store import records`` names a module
            yield f'{base}.{alias.name}'


def _package_imports(nodes: List[ast.stmt], module: str, path: Path) -> Set[str]:
    found: Set[str] = set()
    for statement in nodes:
        for node in ast.walk(statement):
            for name in _imported_names(node, module, path):
                if name in MODULES:
                    found.add(name)
    return found


def _top_level_statements(tree: ast.Module) -> List[ast.stmt]:
    """Statements run at import: the module body, without function and class bodies."""
    pending, statements = list(tree.body), []
    while pending:
        statement = pending.pop()
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        if isinstance(statement, (ast.If, ast.Try, ast.With)):
            for field in ('body', 'orelse', 'finalbody', 'handlers'):
                pending.extend(getattr(statement, field, []))
            continue
        if isinstance(statement, ast.ExceptHandler):
            pending.extend(statement.body)
            continue
        statements.append(statement)
    return statements


def _graph() -> Dict[str, Set[str]]:
    graph = {}
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding='utf-8'), filename=str(path))
        graph[module] = _package_imports(_top_level_statements(tree), module, path) - {module}
    return graph


def _cycle(graph: Dict[str, Set[str]]) -> List[str]:
    """One import cycle of ``graph`` (its modules in order), or [] if there is none."""
    done: Set[str] = set()
    path: List[str] = []

    def visit(module: str) -> List[str]:
        if module in path:
            return [*path[path.index(module):], module]
        if module in done:
            return []
        path.append(module)
        for imported in sorted(graph[module]):
            cycle = visit(imported)
            if cycle:
                return cycle
        path.pop()
        done.add(module)
        return []

    for module in sorted(graph):
        cycle = visit(module)
        if cycle:
            return cycle
    return []


def test_migrations_import_only_the_engine_and_the_repository_migrates():
    graph = _graph()

    assert graph['connect_ext.store.migrate'] == {'connect_ext.store.engine'}
    assert 'connect_ext.store.migrate' in graph['connect_ext.store.repository']
