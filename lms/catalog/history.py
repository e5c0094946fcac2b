"""A course's content versions: what changed from one to the next, file by file, and restoring one.

Every import keeps the course's folder as it imported it, zipped, on its `ContentVersion`. A
version is compared with the one before it; restoring a version imports its files again, through
exactly the path of an uploaded package (lms/catalog/packages.py), so that it is a new version
with who and when, and the files on the server follow after the commit.
"""
from __future__ import annotations

import difflib
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import undefer

from lms.catalog.content import CourseSource
from lms.catalog.models import ContentVersion
from lms.catalog.packages import PackageRefused, upload_course
from lms.catalog.service import ImportResult
from lms.extensions import db

TEXT_SUFFIXES = (".md", ".yaml", ".yml", ".gift", ".txt", ".csv", ".svg")
#: a file's diff is cut after this many lines, with a note
MAX_DIFF_LINES = 400


@dataclass(frozen=True)
class FileChange:
    name: str
    #: "added", "removed" or "changed"
    status: str
    #: unified-diff lines, each starting with "+", "-", " " or "@"; empty for a file that is not text
    lines: tuple[str, ...]
    cut: bool = False


def _files(package: bytes | None) -> dict[str, bytes]:
    if not package:
        return {}
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        return {info.filename.split("/", 1)[-1]: archive.read(info) for info in archive.infolist() if not info.is_dir()}


def _text_lines(data: bytes) -> list[str]:
    return data.decode("utf-8", errors="replace").splitlines()


def changes(older: bytes | None, newer: bytes | None) -> list[FileChange]:
    """What changed from the package `older` to `newer`, file by file, in name order."""
    before, after = _files(older), _files(newer)
    found = []
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        status = "added" if old is None else "removed" if new is None else "changed"
        lines: list[str] = []
        if name.lower().endswith(TEXT_SUFFIXES):
            lines = [line.rstrip("\n") for line in difflib.unified_diff(
                _text_lines(old or b""), _text_lines(new or b""), lineterm="", n=2)][2:]
        found.append(FileChange(name, status, tuple(lines[:MAX_DIFF_LINES]), cut=len(lines) > MAX_DIFF_LINES))
    return found


def version_with_previous(course_id: int, version_id: int) -> tuple[ContentVersion | None, ContentVersion | None]:
    """The version and the one imported before it, with their files loaded."""
    versions = db.session.execute(
        select(ContentVersion).where(ContentVersion.course_id == course_id, ContentVersion.id <= version_id)
        .options(undefer(ContentVersion.package)).order_by(ContentVersion.id.desc()).limit(2)
    ).scalars().all()
    if not versions or versions[0].id != version_id:
        return None, None
    return versions[0], versions[1] if len(versions) > 1 else None


def restore(version: ContentVersion, content_dir: Path, *, replace_changed: bool,
            actor_id: int | None) -> tuple[CourseSource, ImportResult]:
    """Import the version's files again, as a package; raises what an upload raises."""
    if not version.package:
        raise PackageRefused(_l("This version was imported before versions kept their files; it cannot be restored."))
    return upload_course(io.BytesIO(version.package), content_dir, replace_changed=replace_changed,
                         actor_id=actor_id)
