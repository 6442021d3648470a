"""The layout holds: no import cycle in connect_ext, pure rules stay pure, modules stay one concept.

A static walk of the package's ``import`` statements finds a cycle however the modules happen to be
imported first; a fresh interpreter per module proves each one imports on its own. The same walk
proves that ``connect_ext/overage/`` (the pure rules) imports nothing that does I/O, that no module
outgrows one concept, and that tests and benchmarks take their support from ``testkit/`` only.
"""
import ast
import subprocess
import sys
from pathlib import Path
from typing import Dict, Iterator, List, Set

import connect_ext


PACKAGE = 'connect_ext'
PACKAGE_DIR = Path(connect_ext.__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent
MAX_MODULE_LINES = 500


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


def _imports(nodes: List[ast.stmt], module: str, path: Path) -> Set[str]:
    return {name for statement in nodes for node in ast.walk(statement)
            for name in _imported_names(node, module, path)}


def _package_imports(nodes: List[ast.stmt], module: str, path: Path) -> Set[str]:
    return {name for name in _imports(nodes, module, path) if name in MODULES}


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


def test_the_cycle_finder_finds_a_cycle():
    assert _cycle({'a': {'b'}, 'b': {'c'}, 'c': {'a'}}) == ['a', 'b', 'c', 'a']
    assert _cycle({'a': {'b', 'c'}, 'b': {'c'}, 'c': set()}) == []


def test_the_package_modules_import_each_other_without_a_cycle():
    graph = _graph()

    assert {'connect_ext.store.repository', 'connect_ext.wiring', 'connect_ext.errors.error'} <= set(graph)
    assert _cycle(graph) == []


def test_the_migrations_need_only_the_engine_and_the_repository_migrates():
    graph = _graph()

    imported = graph['connect_ext.store.migrate']
    store_imports = {name for name in imported if _reaches(name, ('connect_ext.store',))}
    assert store_imports == {'connect_ext.store.engine'}
    assert 'connect_ext.store.migrate' in graph['connect_ext.store.repository']


def test_no_module_of_the_package_imports_a_package_module_inside_a_function():
    late = {}
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding='utf-8'), filename=str(path))
        at_import = {id(node) for statement in _top_level_statements(tree) for node in ast.walk(statement)}
        nested = [
            node for node in ast.walk(tree)
            if isinstance(node, (ast.Import, ast.ImportFrom)) and id(node) not in at_import
        ]
        imports = _package_imports(nested, module, path)
        if imports:
            late[module] = imports

    assert late == {}


# Imports each module with none of connect_ext loaded yet (third-party packages stay loaded: they
# are not what could cycle), in one interpreter, and prints the modules that failed. eaas-core's
# route table is process-wide (the runner imports the web app once), so it is emptied each time.
_FIRST_IMPORTS = """
import importlib, sys, traceback
from connect.eaas.core import decorators
failed = []
for name in sys.argv[1:]:
    for loaded in [key for key in sys.modules if key == 'connect_ext' or key.startswith('connect_ext.')]:
        del sys.modules[loaded]
    decorators.router.routes.clear()
    try:
        importlib.import_module(name)
    except Exception:
        failed.append(name + ': ' + traceback.format_exc(limit=3))
print('\\n'.join(failed))
"""


def test_each_module_imports_first_on_its_own():
    modules = sorted(name for name in MODULES if '.migrations.' not in name)  # Alembic runs those
    run = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, '-c', _FIRST_IMPORTS, *modules],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300, check=False,
    )

    assert {'connect_ext.store.migrate', 'connect_ext.webapp', 'connect_ext.events'} <= set(modules)
    assert (run.returncode, run.stdout.strip()) == (0, ''), run.stdout + run.stderr


# What the pure rules may not reach: Partner Center's client, the store, Connect, HTTP, the web layer.
IO_MODULES = (
    'connect_ext.partner_center.client', 'connect_ext.partner_center.http', 'connect_ext.partner_center.auth',
    'connect_ext.partner_center.retry', 'connect_ext.store', 'connect_ext.service', 'connect_ext.api',
    'connect_ext.orders', 'connect_ext.notifications', 'connect_ext.customers.directory',
    'connect_ext.wiring', 'connect_ext.webapp', 'connect_ext.events',
    'connect', 'requests', 'sqlalchemy', 'alembic', 'msal', 'fastapi', 'starlette', 'urllib', 'http',
    'socket', 'threading', 'concurrent', 'subprocess', 'psycopg',
)


def _reaches(name: str, prefixes) -> bool:
    return any(name == prefix or name.startswith(prefix + '.') for prefix in prefixes)


def _transitive(graph: Dict[str, Set[str]], start: str) -> Set[str]:
    seen, pending = set(), [start]
    while pending:
        for imported in graph.get(pending.pop(), ()):
            if imported not in seen:
                seen.add(imported)
                pending.append(imported)
    return seen


def test_the_pure_rules_import_nothing_that_does_io():
    rules = [name for name in MODULES if name.startswith('connect_ext.overage')]
    graph = _graph()
    reached = {}
    for module in rules:
        inside = {module, *_transitive(graph, module)}
        outside = set()
        for name in inside:
            tree = ast.parse(MODULES[name].read_text(encoding='utf-8'))
            outside |= _imports(tree.body, name, MODULES[name])
        bad = sorted(name for name in inside | outside if _reaches(name, IO_MODULES))
        if bad:
            reached[module] = bad

    assert 'connect_ext.overage.prerequisites' in rules
    assert reached == {}


def test_no_module_outgrows_one_concept():
    sizes = {name: len(path.read_text(encoding='utf-8').splitlines()) for name, path in MODULES.items()}

    assert {name: lines for name, lines in sizes.items() if lines > MAX_MODULE_LINES} == {}


def _top_imports_of(path: Path) -> Set[str]:
    tree = ast.parse(path.read_text(encoding='utf-8'), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.add(node.module)
    return found


def test_tests_and_benchmarks_share_support_only_through_testkit():
    """No test module imports another test module or a benchmark; testkit imports neither."""
    crossings = {}
    for folder, forbidden in (('tests', ('tests', 'benchmarks')), ('testkit', ('tests', 'benchmarks')),
                              ('benchmarks', ('tests',))):
        for path in sorted((REPO_ROOT / folder).rglob('*.py')):
            bad = sorted(name for name in _top_imports_of(path) if _reaches(name, forbidden))
            if bad:
                crossings[str(path.relative_to(REPO_ROOT))] = bad

    assert crossings == {}


def test_nothing_shipped_imports_what_is_not_shipped():
    not_shipped = ('sandbox', 'testkit', 'tools', 'tests', 'benchmarks')
    shipped = {name: sorted(n for n in _top_imports_of(path) if _reaches(n, not_shipped))
               for name, path in MODULES.items()}

    assert {name: bad for name, bad in shipped.items() if bad} == {}
