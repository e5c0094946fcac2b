"""A course as a package: a zip of its folder, uploaded in the browser or downloaded for review.

The files stay the one source of truth. An uploaded package is unpacked beside the content folder
(in `.uploads/`, which `load_content` skips), checked by exactly the checks of `lms content check`
together with the other courses, imported in the request's transaction, and only once that has
committed does its folder replace the course's folder in `LMS_CONTENT_DIR`. So the database and
the files say the same, and `lms content import` afterwards finds nothing to change.

A package is refused, before anything is written outside `.uploads/`, when it is not a zip, is
encrypted, holds links, absolute paths or `..`, too many files, a file or a whole that unpacks
larger than the limits, or a file that compresses suspiciously well (a zip bomb). A course whose
folder on the server was changed since its last import is not replaced unless asked: those
changes would otherwise be lost without anyone seeing them.
"""
from __future__ import annotations

import io
import os
import shutil
import stat
import time
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

import yaml
from flask_babel import lazy_gettext as _l

from lms.catalog.content import SLUG, ContentError, CourseSource, content_hash, load_content
from lms.catalog.frameworks import FrameworkSource, load_frameworks
from lms.catalog.service import ContentInvalid, ImportResult, get_course, import_content
from lms.catalog.zipped import folder_package
from lms.core.unit_of_work import DomainError, after_commit

MAX_FILES = 500
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_UNPACKED_BYTES = 60 * 1024 * 1024
#: a file larger than this that unpacks more than MAX_RATIO times its packed size is refused
RATIO_CHECKED_FROM = 1024 * 1024
MAX_RATIO = 100
#: what zip tools add on their own, left out without a word
IGNORED_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini"}
IGNORED_FOLDERS = {"__MACOSX"}
UPLOADS = ".uploads"
STALE_AFTER_SECONDS = 3600
CHECKED_ROOT = "courses_content"  # the name errors are shown under, as `lms content check` shows them


class PackageRefused(DomainError):
    """The zip cannot be read as a course package; the message says why, for the author."""


class FilesChangedOnServer(PackageRefused):
    """The course's folder on the server holds changes that were never imported."""

    def __init__(self, slug: str):
        super().__init__(_l(
            "The files of “%(slug)s” on the server were changed since they were last imported. Uploading "
            "would replace those changes: download the course first to keep them, or tick the box to "
            "replace them.", slug=slug))


@dataclass
class StagedCourse:
    """A package unpacked and checked: its course (when the checks passed) and every error."""

    slug: str
    course: CourseSource | None
    errors: list[ContentError]
    staging: Path

    @property
    def ok(self) -> bool:
        return self.course is not None and not self.errors


# --- reading a zip safely --------------------------------------------------------------------------

def _member_path(info: zipfile.ZipInfo) -> PurePosixPath | None:
    """The member's path inside the course folder; None for what zip tools add by themselves."""
    name = info.filename
    if "\\" in name or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise PackageRefused(_l("The package holds a file outside its folder (%(name)s).", name=name[:120]))
    path = PurePosixPath(name)
    if any(part == ".." for part in path.parts):
        raise PackageRefused(_l("The package holds a file outside its folder (%(name)s).", name=name[:120]))
    if stat.S_ISLNK(info.external_attr >> 16):
        raise PackageRefused(_l("The package holds a link (%(name)s); only plain files can be uploaded.",
                                name=name[:120]))
    if info.flag_bits & 0x1:
        raise PackageRefused(_l("The package is protected by a password; upload it without one."))
    if any(part in IGNORED_FOLDERS for part in path.parts) or path.name in IGNORED_NAMES:
        return None
    return path


def _course_members(archive: zipfile.ZipFile) -> list[tuple[zipfile.ZipInfo, PurePosixPath]]:
    """Every file of the course, its path relative to the course folder (one top folder is allowed)."""
    members = [(info, path) for info in archive.infolist() if not info.is_dir()
               if (path := _member_path(info)) is not None]
    if len(members) > MAX_FILES:
        raise PackageRefused(_l("The package holds more than %(most)d files.", most=MAX_FILES))
    if not members:
        raise PackageRefused(_l("The package is empty."))
    tops = {path.parts[0] for _info, path in members}
    if not any(path == PurePosixPath("course.yaml") for _info, path in members) and len(tops) == 1:
        members = [(info, PurePosixPath(*path.parts[1:])) for info, path in members if len(path.parts) > 1]
    if not any(path == PurePosixPath("course.yaml") for _info, path in members):
        raise PackageRefused(_l("The package has no course.yaml: zip the course's folder, as it is in courses_content/."))
    total = sum(info.file_size for info, _path in members)
    if total > MAX_UNPACKED_BYTES:
        raise PackageRefused(_l("The package unpacks to more than %(most)d MB.", most=MAX_UNPACKED_BYTES // 2**20))
    for info, path in members:
        if info.file_size > MAX_FILE_BYTES:
            raise PackageRefused(_l("%(name)s is larger than %(most)d MB.", name=str(path), most=MAX_FILE_BYTES // 2**20))
        if info.file_size > RATIO_CHECKED_FROM and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise PackageRefused(_l("%(name)s unpacks to far more than it weighs packed; the package is refused.",
                                    name=str(path)))
    return members


def _unpack(archive: zipfile.ZipFile, members, folder: Path) -> None:
    """Write each member, never more bytes than its header promised (a lying header is refused)."""
    for info, path in members:
        target = folder.joinpath(*path.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        written = 0
        with archive.open(info) as source, target.open("wb") as sink:
            while chunk := source.read(64 * 1024):
                written += len(chunk)
                if written > info.file_size or written > MAX_FILE_BYTES:
                    raise PackageRefused(_l("%(name)s is not what the package says it is; the package is refused.",
                                            name=str(path)))
                sink.write(chunk)


def _declared_slug(folder: Path) -> str:
    try:
        data = yaml.safe_load((folder / "course.yaml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        data = None
    slug = data.get("slug") if isinstance(data, dict) else None
    if not isinstance(slug, str) or not SLUG.match(slug):
        raise PackageRefused(_l("course.yaml must name the course's slug (lowercase letters, digits and hyphens)."))
    return slug


# --- staging and checking ------------------------------------------------------------------------------

def _clear_stale_uploads(uploads: Path, now: float) -> None:
    if not uploads.is_dir():
        return
    for old in uploads.iterdir():
        if now - old.stat().st_mtime > STALE_AFTER_SECONDS:
            shutil.rmtree(old, ignore_errors=True)


def check_beside_others(content_dir: Path, slug: str, folder: Path,
                        workspace: Path) -> tuple[CourseSource | None, list[ContentError]]:
    """Check `folder` as the course `slug`, with every other course of `content_dir` beside it.

    The checks are those of `lms content check`; only the errors of this course are returned (the
    others' files are not this author's to fix). `workspace` is an empty folder for the check.
    """
    root = workspace / CHECKED_ROOT
    root.mkdir(parents=True)
    for other in Path(content_dir).iterdir():
        if other.is_dir() and not other.name.startswith(".") and other.name != slug:
            (root / other.name).symlink_to(other.resolve(), target_is_directory=True)
    (root / slug).symlink_to(folder.resolve(), target_is_directory=True)
    report = load_content(root)
    own = f"{CHECKED_ROOT}/{slug}"
    errors = [e for e in report.errors if e.path == own or e.path.startswith(own + "/")]
    course = next((c for c in report.courses if c.slug == slug), None)
    if course is not None:
        course.folder = folder  # the real folder, which outlives the check's workspace
    return course, errors


def stage_package(stream: BinaryIO, content_dir: Path) -> StagedCourse:
    """Unpack the zip in `stream` under `content_dir/.uploads/` and check it with every other course."""
    content_dir = Path(content_dir)
    uploads = content_dir / UPLOADS
    _clear_stale_uploads(uploads, time.time())
    staging = uploads / uuid.uuid4().hex
    unpacked = staging / "unpacked"
    unpacked.mkdir(parents=True)
    try:
        data = stream.read()
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, ValueError):
            raise PackageRefused(_l("This is not a zip file. Zip the course's folder and upload the .zip."))
        with archive:
            _unpack(archive, _course_members(archive), unpacked)
        slug = _declared_slug(unpacked)
        course, errors = check_beside_others(content_dir, slug, unpacked, staging / "check")
    except Exception:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return StagedCourse(slug=slug, course=course, errors=errors, staging=staging)


def discard(staged: StagedCourse) -> None:
    shutil.rmtree(staged.staging, ignore_errors=True)


def files_changed_since_import(content_dir: Path, slug: str, imported_version: str | None) -> bool:
    """Whether the course's folder on the server differs from what was last imported from it."""
    folder = Path(content_dir) / slug
    if not folder.is_dir():
        return False
    return imported_version is None or content_hash(folder) != imported_version


def put_in_place(staged: StagedCourse, content_dir: Path) -> None:
    """Replace the course's folder by the package's (run once the import has committed)."""
    target = Path(content_dir) / staged.slug
    new = staged.staging / "unpacked"
    old = staged.staging / "replaced"
    if target.exists():
        os.replace(target, old)
    os.replace(new, target)
    discard(staged)


def server_frameworks(content_dir: Path) -> list[FrameworkSource]:
    """The competence frameworks on the server, which the check read beside the course: the course's
    mapping to them is imported with it (none found: the mappings are left as they are, and no
    competence is retired for want of its file)."""
    return load_frameworks(Path(content_dir), lambda *_error: None)


# --- uploading ---------------------------------------------------------------------------------------------

def upload_course(stream: BinaryIO, content_dir: Path, *, replace_changed: bool,
                  actor_id: int | None) -> tuple[CourseSource, ImportResult]:
    """Check and import the package in `stream`; its folder takes the course's place after the commit.

    Raises PackageRefused (FilesChangedOnServer when the server's folder holds changes not imported
    and `replace_changed` is not set) or ContentInvalid with every error of the course's files.
    """
    staged = stage_package(stream, content_dir)
    try:
        if not staged.ok:
            raise ContentInvalid(staged.errors)
        existing = get_course(staged.slug)
        if not replace_changed and files_changed_since_import(
                content_dir, staged.slug, existing.content_version if existing else None):
            raise FilesChangedOnServer(staged.slug)
        result = import_content([staged.course], [], actor_id=actor_id,  # type: ignore[list-item]
                                frameworks=server_frameworks(content_dir) or None, origin="browser")
    except Exception:
        discard(staged)
        raise
    after_commit(lambda: put_in_place(staged, content_dir))
    return staged.course, result  # type: ignore[return-value]


# --- downloading -------------------------------------------------------------------------------------------

def course_package(content_dir: Path, slug: str) -> bytes | None:
    """The course's folder as a zip (files under `<slug>/`), or None when it has no folder."""
    folder = Path(content_dir) / slug
    return folder_package(folder, slug) if folder.is_dir() else None
