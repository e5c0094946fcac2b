import shutil
from pathlib import Path

import pytest

from sqlalchemy import func, select

from lms.catalog.content import load_content
from lms.catalog.models import ContentVersion, Course
from lms.catalog.service import import_content
from lms.extensions import db

SHIPPED = Path(__file__).resolve().parents[2] / "courses_content"


@pytest.fixture
def content(tmp_path) -> Path:
    """A copy of two shipped courses, and the frameworks they map to, that a test may break."""
    root = tmp_path / "courses_content"
    for slug in ("styrelsearbete", "gdpr-for-foreningar", "_frameworks"):
        shutil.copytree(SHIPPED / slug, root / slug)
    return root


@pytest.fixture
def served(app, content):
    """The app serving the copied content folder, its two courses imported."""
    app.config["LMS_CONTENT_DIR"] = str(content)
    report = load_content(content)
    import_content(report.courses, report.errors)
    db.session.commit()
    return content


def versions_of(slug: str) -> int:
    """How many content versions the course has recorded."""
    return db.session.scalar(select(func.count()).select_from(ContentVersion).join(Course).where(Course.slug == slug))


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), "utf-8")


def line_of(path: Path, fragment: str) -> int:
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if fragment in line:
            return number
    raise AssertionError(f"{fragment!r} not in {path}")
