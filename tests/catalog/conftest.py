import shutil
from pathlib import Path

import pytest

SHIPPED = Path(__file__).resolve().parents[2] / "courses_content"


@pytest.fixture
def content(tmp_path) -> Path:
    """A copy of two shipped courses, and the frameworks they map to, that a test may break."""
    root = tmp_path / "courses_content"
    for slug in ("styrelsearbete", "gdpr-for-foreningar", "_frameworks"):
        shutil.copytree(SHIPPED / slug, root / slug)
    return root


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), "utf-8")


def line_of(path: Path, fragment: str) -> int:
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if fragment in line:
            return number
    raise AssertionError(f"{fragment!r} not in {path}")
