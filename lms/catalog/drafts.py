"""Editing a course in the browser: a draft copy of its folder, checked like the files, published as an import.

The first edit copies the course's folder to `LMS_CONTENT_DIR/.drafts/<slug>/` and notes the
content version it started from. Every save writes the module's file there, in the format of
docs/content-format.md, and checks the whole draft with the checks of `lms content check`. Learners
keep reading the published course until a coordinator publishes the draft: then it is imported
(a new content version, with who and when; progress on modules that remain is kept) and, after
the commit, it replaces the course's folder. A draft whose course's files changed since it was
started (a package uploaded, files edited on the server) is not published over them unless asked.
"""
from __future__ import annotations

import re
import shutil
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path

import yaml
from flask_babel import lazy_gettext as _l
from werkzeug.utils import secure_filename

from lms.catalog.content import FRONT_MATTER, SVG_PAYLOAD, ContentError, CourseSource, attachment_type, content_hash
from lms.catalog.packages import UPLOADS, FilesChangedOnServer, check_beside_others, server_frameworks
from lms.catalog.service import ContentInvalid, ImportResult, import_content
from lms.core.unit_of_work import DomainError, after_commit

DRAFTS = ".drafts"
NEW_MODULE_MINUTES = 15


class DraftError(DomainError):
    """An edit that cannot be made as asked; the message is for the author."""


@dataclass
class ModuleText:
    """What the editor shows and saves of one module: its front matter, its Markdown and its GIFT quiz."""

    slug: str
    title: str
    minutes: int
    required: bool
    body: str
    quiz: str = ""


def draft_folder(content_dir: Path, slug: str) -> Path:
    return Path(content_dir) / DRAFTS / slug


def _base_file(content_dir: Path, slug: str) -> Path:
    return Path(content_dir) / DRAFTS / f"{slug}.base"


def has_draft(content_dir: Path, slug: str) -> bool:
    return draft_folder(content_dir, slug).is_dir()


def start_draft(content_dir: Path, slug: str) -> Path:
    """The course's draft folder, copied from its files on the first edit."""
    folder = draft_folder(content_dir, slug)
    if folder.is_dir():
        return folder
    published = Path(content_dir) / slug
    if not published.is_dir():
        raise DraftError(_l("The course has no folder on the server to edit."))
    folder.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(published, folder)
    _base_file(content_dir, slug).write_text(content_hash(published), encoding="utf-8")
    return folder


def discard_draft(content_dir: Path, slug: str) -> None:
    shutil.rmtree(draft_folder(content_dir, slug), ignore_errors=True)
    _base_file(content_dir, slug).unlink(missing_ok=True)


# --- modules as files -----------------------------------------------------------------------------------

def _course_yaml(folder: Path) -> dict:
    data = yaml.safe_load((folder / "course.yaml").read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def module_slugs(folder: Path) -> list[str]:
    listed = _course_yaml(folder).get("modules")
    return [m for m in listed if isinstance(m, str)] if isinstance(listed, list) else []


def _front_matter(text: str) -> tuple[dict, str]:
    match = FRONT_MATTER.match(text)
    if not match:
        return {}, text
    data = yaml.safe_load(match.group(1))
    return (data if isinstance(data, dict) else {}), text[match.end():]


def read_module(folder: Path, module_slug: str) -> ModuleText:
    path = folder / f"{module_slug}.md"
    if module_slug not in module_slugs(folder) or not path.is_file():
        raise DraftError(_l("The course has no such module."))
    data, body = _front_matter(path.read_text(encoding="utf-8"))
    quiz_name = data.get("quiz")
    quiz_path = folder / quiz_name if isinstance(quiz_name, str) else None
    quiz = quiz_path.read_text(encoding="utf-8") if quiz_path and quiz_path.is_file() else ""
    minutes = data.get("minutes")
    return ModuleText(slug=module_slug, title=str(data.get("title") or ""),
                      minutes=minutes if isinstance(minutes, int) else NEW_MODULE_MINUTES,
                      required=data.get("required", True) is not False, body=body, quiz=quiz)


def body_offset(folder: Path, module_slug: str) -> int:
    """How many lines of the module's file come before its text (the front matter)."""
    path = folder / f"{module_slug}.md"
    match = FRONT_MATTER.match(path.read_text(encoding="utf-8")) if path.is_file() else None
    return match.group(0).count("\n") if match else 0


def save_module(folder: Path, text: ModuleText) -> None:
    """Write the module's Markdown file (its other front matter fields kept) and its GIFT file."""
    path = folder / f"{text.slug}.md"
    if text.slug not in module_slugs(folder) or not path.is_file():
        raise DraftError(_l("The course has no such module."))
    data, _old_body = _front_matter(path.read_text(encoding="utf-8"))
    old_quiz = data.get("quiz")
    data.update(title=text.title.strip(), minutes=text.minutes, required=text.required)
    quiz = text.quiz.replace("\r\n", "\n")
    if quiz.strip():
        data["quiz"] = old_quiz if isinstance(old_quiz, str) and "/" not in old_quiz else f"{text.slug}.gift"
        (folder / data["quiz"]).write_text(quiz if quiz.endswith("\n") else quiz + "\n", encoding="utf-8")
    else:
        data.pop("quiz", None)
        data.pop("quiz_settings", None)
        if isinstance(old_quiz, str) and "/" not in old_quiz:
            (folder / old_quiz).unlink(missing_ok=True)
    front = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    body = text.body.replace("\r\n", "\n")
    path.write_text(f"---\n{front}---\n{body if body.endswith(chr(10)) else body + chr(10)}", encoding="utf-8")


# --- the course's own fields (course.yaml) --------------------------------------------------------------

COURSE_TEXT_FIELDS = ("title", "summary", "description", "language", "competence_areas", "sdgs",
                      "estimated_hours", "certificate_design", "learning_outcomes")


class _BlockDumper(yaml.SafeDumper):
    """Writes text of several lines as a `|` block, as the shipped course.yaml files are written."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_BlockDumper.add_representer(str, _text)


def course_fields(folder: Path) -> dict:
    data = _course_yaml(folder)
    return {name: data.get(name) for name in COURSE_TEXT_FIELDS}


def save_course_fields(folder: Path, fields: dict) -> None:
    """Write the course's fields into course.yaml; its modules, validity and anything else are kept."""
    data = _course_yaml(folder)
    for name in COURSE_TEXT_FIELDS:
        value = fields.get(name)
        data[name] = value.replace("\r\n", "\n").strip() + ("\n" if "\n" in value.strip() else "") \
            if isinstance(value, str) else value
    ordered = {"slug": data.pop("slug", folder.name), **{n: data.pop(n) for n in COURSE_TEXT_FIELDS}, **data}
    (folder / "course.yaml").write_text(
        yaml.dump(ordered, Dumper=_BlockDumper, allow_unicode=True, sort_keys=False, width=100), encoding="utf-8")


def new_course(content_dir: Path, slug: str, fields: dict, *, taken: bool) -> Path:
    """A draft of a new course with one module; `taken` says the slug is a course's already."""
    from lms.catalog.content import RESERVED_SLUGS, SLUG

    if not SLUG.match(slug) or slug in RESERVED_SLUGS or len(slug) > 80:
        raise DraftError(_l("The address name must be lowercase letters, digits and hyphens, such as “styrelsearbete”."))
    if taken or (Path(content_dir) / slug).exists() or has_draft(content_dir, slug):
        raise DraftError(_l("A course with the address name “%(slug)s” exists already.", slug=slug))
    folder = draft_folder(content_dir, slug)
    folder.mkdir(parents=True)
    first = "Introduction" if fields.get("language") == "en" else "Introduktion"
    module = f"01-{_slugified(first)}"
    (folder / "course.yaml").write_text(f"slug: {slug}\nmodules:\n  - {module}\n", encoding="utf-8")
    save_course_fields(folder, fields)
    _write_new_module(folder, module, first)
    return folder


def _slugified(title: str) -> str:
    plain = unicodedata.normalize("NFKD", title.lower()).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:60].strip("-") or "modul"


def add_module(folder: Path, title: str) -> str:
    """A new module at the end of the course, named `NN-title`; returns its slug."""
    if not title.strip():
        raise DraftError(_l("Give the new module a title."))
    listed = module_slugs(folder)
    numbers = [int(m.split("-", 1)[0]) for m in listed if m.split("-", 1)[0].isdigit()]
    slug = f"{(max(numbers) if numbers else 0) + 1:02d}-{_slugified(title)}"
    if slug in listed or (folder / f"{slug}.md").exists():
        raise DraftError(_l("A module of that name exists already."))
    _append_to_module_list(folder / "course.yaml", slug)
    _write_new_module(folder, slug, title)
    return slug


def _write_new_module(folder: Path, slug: str, title: str) -> None:
    front = yaml.safe_dump({"title": title.strip(), "minutes": NEW_MODULE_MINUTES, "required": True},
                           allow_unicode=True, sort_keys=False)
    (folder / f"{slug}.md").write_text(f"---\n{front}---\n## {title.strip()}\n", encoding="utf-8")


def _append_to_module_list(path: Path, slug: str) -> None:
    """Add `  - slug` after the last item of `modules:`, leaving the rest of the file as it was written."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if re.match(r"modules:\s*$", line)), None)
    if start is None:
        raise DraftError(_l("course.yaml lists its modules in a form the editor cannot change; edit the file."))
    end = start + 1
    while end < len(lines) and re.match(r"\s*-\s", lines[end]):
        end += 1
    indent = re.match(r"(\s*)-", lines[end - 1]).group(1) if end > start + 1 else "  "
    if end > start + 1 and not lines[end - 1].endswith("\n"):
        lines[end - 1] += "\n"
    lines.insert(end, f"{indent}- {slug}\n")
    path.write_text("".join(lines), encoding="utf-8")


def move_module(folder: Path, module_slug: str, offset: int) -> None:
    """Move a module up (-1) or down (+1) in the course's order: its line in course.yaml's list."""
    path = folder / "course.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    items = [i for i, line in enumerate(lines) if re.fullmatch(r"\s*-\s+" + re.escape(module_slug) + r"\s*", line)]
    listed = module_slugs(folder)
    if len(items) != 1 or module_slug not in listed:
        raise DraftError(_l("The course has no such module."))
    other = listed.index(module_slug) + offset
    if not 0 <= other < len(listed):
        return
    there = [i for i, line in enumerate(lines) if re.fullmatch(r"\s*-\s+" + re.escape(listed[other]) + r"\s*", line)]
    if len(there) != 1:
        raise DraftError(_l("course.yaml lists its modules in a form the editor cannot change; edit the file."))
    here, there_at = items[0], there[0]
    lines[here], lines[there_at] = _ended(lines[there_at]), _ended(lines[here])
    path.write_text("".join(lines), encoding="utf-8")


def _ended(line: str) -> str:
    return line if line.endswith("\n") else line + "\n"


# --- pictures and files beside the modules ----------------------------------------------------------------

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024


def attachments(folder: Path) -> list[str]:
    """The files of the course that learners can download or see (pictures, PDFs, …), by name."""
    return sorted(p.name for p in folder.iterdir() if p.is_file() and attachment_type(p.name) is not None)


def add_attachment(folder: Path, filename: str, data: bytes) -> str:
    """Put a picture or file beside the modules; returns the name to link it by."""
    name = secure_filename(filename).lower()
    if not name or attachment_type(name) is None:
        raise DraftError(_l("Only pictures (PNG, JPEG, GIF, WebP, SVG) and documents (PDF, text, office files) "
                            "can be added."))
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise DraftError(_l("The file is larger than %(most)d MB.", most=MAX_ATTACHMENT_BYTES // 2**20))
    if name.endswith(".svg") and SVG_PAYLOAD.search(data.decode("utf-8", "replace")):
        raise DraftError(_l("The SVG picture holds a script, an event handler or an outside link; save it "
                            "again as a plain picture."))
    (folder / name).write_bytes(data)
    return name


def remove_attachment(folder: Path, name: str) -> None:
    if name not in attachments(folder):
        raise DraftError(_l("The course has no such file."))
    (folder / name).unlink()


# --- checking and publishing ------------------------------------------------------------------------------

def check_draft(content_dir: Path, slug: str) -> tuple[CourseSource | None, list[ContentError]]:
    workspace = Path(content_dir) / UPLOADS / f"draft-{uuid.uuid4().hex}"
    try:
        return check_beside_others(content_dir, slug, draft_folder(content_dir, slug), workspace)
    finally:
        shutil.rmtree(workspace, ignore_errors=True)


def files_changed_since_draft(content_dir: Path, slug: str) -> bool:
    base = _base_file(content_dir, slug)
    published = Path(content_dir) / slug
    return published.is_dir() and (not base.is_file() or base.read_text(encoding="utf-8") != content_hash(published))


def publish_draft(content_dir: Path, slug: str, *, replace_changed: bool, actor_id: int | None) -> ImportResult:
    """Import the draft; after the commit it becomes the course's folder. Raises ContentInvalid or
    FilesChangedOnServer (when the course's files changed since the draft was started)."""
    if not has_draft(content_dir, slug):
        raise DraftError(_l("There is nothing to publish: the course has no draft."))
    course, errors = check_draft(content_dir, slug)
    if errors or course is None:
        raise ContentInvalid(errors)
    if not replace_changed and files_changed_since_draft(content_dir, slug):
        raise FilesChangedOnServer(slug)
    result = import_content([course], [], actor_id=actor_id, frameworks=server_frameworks(content_dir) or None, origin="browser")
    after_commit(lambda: _put_draft_in_place(Path(content_dir), slug))
    return result


def _put_draft_in_place(content_dir: Path, slug: str) -> None:
    target, draft = content_dir / slug, draft_folder(content_dir, slug)
    replaced = content_dir / UPLOADS / f"replaced-{uuid.uuid4().hex}"
    replaced.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        target.replace(replaced)
    draft.replace(target)
    _base_file(content_dir, slug).unlink(missing_ok=True)
    shutil.rmtree(replaced, ignore_errors=True)
