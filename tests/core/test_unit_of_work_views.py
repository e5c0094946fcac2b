"""No view commits or rolls back itself: the unit of work around every request does (issue #20)."""
import ast
from pathlib import Path

import lms

PACKAGE = Path(lms.__file__).parent


# Modules whose functions run inside a request without being views (before-request hooks).
REQUEST_HOOKS = {"api/auth.py"}


def view_modules():
    """Every module that runs in a request: routes modules, the API's resources, page modules, hooks."""
    for path in sorted(PACKAGE.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        name = path.relative_to(PACKAGE).as_posix()
        if ".route(" in source or ".get(\"/" in source or ".post(\"/" in source or name in REQUEST_HOOKS:
            yield name, source


def session_calls(source, names=("commit", "rollback")):
    """Line numbers of `<anything>.session.commit()` / `.rollback()` calls in `source`."""
    return [node.lineno for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in names and isinstance(node.func.value, ast.Attribute)
            and node.func.value.attr == "session"]


def test_the_sweep_finds_the_view_modules():
    found = {name for name, _source in view_modules()}
    assert {"auth/routes.py", "enrolment/routes.py", "api/enrolments.py"} <= found


def test_no_view_module_commits_or_rolls_back_itself():
    offending = {name: lines for name, source in view_modules()
                 if (lines := session_calls(source))}
    assert not offending, f"views that commit or roll back themselves (file: lines): {offending}"
