"""The layers stay as docs/architecture.md draws them.

The import contracts are in .importlinter (run by `lint-imports`); the rest is read from the
source with `ast`: services do not read the request, views and modules stay short, and each
blueprint is named after its package.
"""
from __future__ import annotations

import ast
import configparser
import fnmatch
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "lms"

#: a view function (its `def` to its last line) is at most this long
VIEW_LINES = 25
#: a module is at most this long
MODULE_LINES = 450

#: longer views, each with the reason it is one view
LONG_VIEWS = {
    "lms.quizzes.routes.save": "one form saves answers by fetch (JSON) and by a plain post, and hands "
                               "the attempt in after the person confirms the unanswered questions",
}
#: longer modules, each with the reason it is one module
LONG_MODULES = {
    "lms.notifications.outbox": "the outbox's exactly-once protocol (queue, claim, heartbeat, reclaim, "
                                "send, mark) is one unit, documented as one in its docstring",
}
#: blueprints not named after their package, each with the reason
OTHER_BLUEPRINT_NAMES = {
    "lms.api.account": ("api_tokens", "the token pages of a person's account are HTML pages of the site "
                        "(its layout, CSRF, log-in); the `api` blueprint is the JSON API under /api/v1 "
                        "with its own errors and token authentication"),
}
#: modules outside the views that answer for the request itself (the web shell), with the reason
READS_THE_REQUEST = {
    "lms.core.errors": "the error pages answer the request that failed",
    "lms.core.i18n": "the locale is chosen from the person or the request's Accept-Language",
    "lms.core.input": "reads query parameters for the views",
    "lms.core.navigation": "marks the page the request is on",
    "lms.core.page_cache": "keys cached pages by the request",
    "lms.core.rate_limits": "limits by the request's address",
    "lms.core.templating": "template helpers build links for the mount point the request came through",
    "lms.auth.limits": "counts log-in attempts by the request's address",
}
#: modules that are neither views nor domain modules: the app factory, the CLI that starts it
#: (lms.cli imports lms) and the HTTP API, which are outside the domain contract
OUTSIDE_THE_DOMAIN = ("lms", "lms.cli", "lms.api", "lms.api.*")

VIEW_MODULE_PATTERNS = ("lms.*.routes", "lms.*.*_routes", "lms.*.blueprint", "lms.notifications.pages", "lms.api.account")
ROUTE_DECORATORS = {"route", "get", "post", "put", "patch", "delete"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _matches(name: str, patterns) -> bool:  # type: ignore[no-untyped-def]
    """As import-linter reads a module expression: `*` is one part of the name, `**` one or more."""
    def match(parts: list[str], wanted: list[str]) -> bool:
        if not wanted:
            return not parts
        if wanted[0] == "**":
            return any(match(parts[taken:], wanted[1:]) for taken in range(1, len(parts) + 1))
        return bool(parts) and fnmatch.fnmatchcase(parts[0], wanted[0]) and match(parts[1:], wanted[1:])

    return any(match(name.split("."), pattern.split(".")) for pattern in patterns)


def _contract(name: str) -> configparser.SectionProxy:
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    return config[f"importlinter:contract:{name}"]


def _listed(section: configparser.SectionProxy, key: str) -> list[str]:
    return [line.strip() for line in section[key].splitlines() if line.strip() and not line.strip().startswith("#")]


def _domain_modules() -> list[str]:
    sources = _listed(_contract("domain-never-imports-views"), "source_modules")
    return [name for name in _modules() if _matches(name, sources)]


def _is_view(node: ast.AST) -> bool:
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    for decorator in node.decorator_list:
        call = decorator.func if isinstance(decorator, ast.Call) else decorator
        if (isinstance(call, ast.Attribute) and call.attr in ROUTE_DECORATORS
                and isinstance(call.value, ast.Name) and call.value.id == "bp"):
            return True
    return False


def _reads_the_request(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "flask" and any(
                alias.name == "request" for alias in node.names):
            return True
        if (isinstance(node, ast.Attribute) and node.attr == "request"
                and isinstance(node.value, ast.Name) and node.value.id == "flask"):
            return True
    return False


def _lint_imports() -> subprocess.CompletedProcess:
    command = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    if command is None:
        pytest.fail("lint-imports is missing: install the test extras (pip install -e '.[test]')")
    return subprocess.run([command, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_the_import_contracts_are_kept():
    """Services never import views; domain packages never import lms.api; packages depend downwards."""
    run = _lint_imports()
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout


def test_every_module_is_a_view_or_under_the_domain_contract():
    """A new module is either a view or listed in .importlinter, so the contracts cover it."""
    sources = _listed(_contract("domain-never-imports-views"), "source_modules")
    unlisted = [name for name, path in _modules().items()
                if path.name != "__init__.py" and not _matches(name, VIEW_MODULE_PATTERNS)
                and not _matches(name, OUTSIDE_THE_DOMAIN) and not _matches(name, sources)]
    assert unlisted == [], f"list them as views or in .importlinter's source_modules: {unlisted}"


def test_services_do_not_read_the_request():
    readers = [name for name in _domain_modules()
               if name not in READS_THE_REQUEST and _reads_the_request(ast.parse(_modules()[name].read_text()))]
    assert readers == [], f"services take plain values, not flask.request: {readers}"
    assert all(name in _domain_modules() for name in READS_THE_REQUEST), "the list names modules that no longer exist"


def test_views_are_short():
    long_views = {}
    for name, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text())):
            if _is_view(node):
                length = node.end_lineno - node.lineno + 1
                if length > VIEW_LINES and f"{name}.{node.name}" not in LONG_VIEWS:
                    long_views[f"{name}.{node.name}"] = length
    assert long_views == {}, f"views longer than {VIEW_LINES} lines: move the rules to the service"


def test_modules_are_short():
    long_modules = {name: len(path.read_text().splitlines()) for name, path in _modules().items()
                    if len(path.read_text().splitlines()) > MODULE_LINES and name not in LONG_MODULES}
    assert long_modules == {}, f"modules longer than {MODULE_LINES} lines: split them along the domain"


def test_each_blueprint_is_named_after_its_package():
    names = {}
    for name, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Blueprint"
                    and node.args and isinstance(node.args[0], ast.Constant)):
                names[name] = node.args[0].value
    assert names, "no blueprint found: the check reads Blueprint(\"name\", ...) calls"
    misnamed = {module: blueprint for module, blueprint in names.items()
                if blueprint != module.split(".")[1] and OTHER_BLUEPRINT_NAMES.get(module, ("",))[0] != blueprint}
    assert misnamed == {}, "a blueprint is named after its package (its endpoints read package.view)"


def _imported_modules(tree: ast.Module) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_no_two_view_modules_of_a_package_import_each_other():
    """Views split over modules share the package's blueprint module instead (no import cycle)."""
    views = [name for name in _modules() if _matches(name, VIEW_MODULE_PATTERNS) and name.count(".") == 2
             and not name.endswith(".blueprint")]
    imports = {name: _imported_modules(ast.parse(_modules()[name].read_text())) for name in views}
    cycles = sorted((first, second) for first in views for second in views
                    if first < second and first.rsplit(".", 1)[0] == second.rsplit(".", 1)[0]
                    and second in imports[first] and first in imports[second])
    assert cycles == []
