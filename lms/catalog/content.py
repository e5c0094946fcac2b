"""Reading and checking `courses_content/`: every error at once, each with its file and line.

The format is documented in docs/content-format.md. Nothing here touches the database: `load_content`
turns a folder into plain `CourseSource` values and a list of `ContentError`s.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml
from markdown_it import MarkdownIt

from lms.catalog.frameworks import FrameworkSource, check_course_competences, load_frameworks
from lms.catalog.markdown import is_relative
from lms.catalog.validity import ValiditySource, read_validity, renewal_quiz_problem
from lms.core.display_text import clean_display_text
from lms.quizzes.content import QuizSource, read_quiz_file, read_settings

COMPETENCE_AREAS = (
    "Föreningsstyrning", "Ekonomi", "Juridik och dataskydd", "Projektledning",
    "Ledarskap och volontärer", "Hållbar utveckling", "Kommunikation",
)
LANGUAGES = ("sv", "en")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
RESERVED_SLUGS = {"manage"}
COURSE_FIELDS = {
    "slug": True, "title": True, "summary": True, "description": True, "language": True,
    "competence_areas": True, "sdgs": True, "estimated_hours": True, "certificate_design": True,
    "learning_outcomes": True, "modules": True, "validity": False, "competences": False,
}
MODULE_FIELDS = {"title": True, "minutes": True, "required": False, "quiz": False, "quiz_settings": False}
ATTACHMENT_TYPES = {
    ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
    ".webp": "image/webp", ".svg": "image/svg+xml", ".pdf": "application/pdf",
    ".txt": "text/plain; charset=utf-8", ".csv": "text/csv; charset=utf-8",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text",
}
SOURCE_SUFFIXES = {".md", ".yaml", ".yml", ".gift"}
SVG_PAYLOAD = re.compile(r"<script|\son[a-z]+\s*=|javascript:|<foreignObject|xlink:href\s*=\s*[\"'](?!#)", re.I)


@dataclass(frozen=True)
class ContentError:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass
class ModuleSource:
    slug: str
    position: int
    title: str
    minutes: int
    required: bool
    body: str
    quiz_file: str | None
    path: Path
    quiz: QuizSource | None = None


@dataclass
class CourseSource:
    slug: str
    folder: Path
    title: str
    summary: str
    description: str
    language: str
    competence_areas: list[str]
    sdgs: list[int]
    estimated_hours: Decimal
    certificate_design: str
    learning_outcomes: list[str]
    modules: list[ModuleSource] = field(default_factory=list)
    version: str = ""
    validity: ValiditySource | None = None  # None: valid without end
    competences: list[str] = field(default_factory=list)  # keys `<framework>/<competence>` (frameworks.py)


@dataclass
class ContentReport:
    courses: list[CourseSource]
    errors: list[ContentError]
    frameworks: list[FrameworkSource] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class _Collector:
    """Errors for one content tree, with paths shown relative to its root."""

    def __init__(self, root: Path):
        self.root = root
        self.errors: list[ContentError] = []

    def add(self, path: Path, line: int, message: str) -> None:
        try:
            shown = str(path.relative_to(self.root.parent))
        except ValueError:
            shown = str(path)
        self.errors.append(ContentError(shown, line, message))


def load_content(root: Path) -> ContentReport:
    """Read and check every course folder under `root`."""
    root = Path(root)
    errors = _Collector(root)
    if not root.is_dir():
        errors.add(root, 0, "the content folder does not exist")
        return ContentReport([], errors.errors)
    courses = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        course = _load_course(folder, errors)
        if course is not None:
            courses.append(course)
    _check_unique_slugs(courses, errors)
    _check_refreshers(courses, errors)
    return ContentReport(courses, errors.errors, check_course_competences(courses, load_frameworks(root, errors.add), errors.add))


def _check_unique_slugs(courses: list[CourseSource], errors: _Collector) -> None:
    seen: dict[str, Path] = {}
    for course in courses:
        if course.slug in seen:
            errors.add(course.folder / "course.yaml", _line_of_key(course.folder / "course.yaml", "slug"),
                       f"duplicate course slug {course.slug!r} (also in {seen[course.slug].name}/)")
        seen.setdefault(course.slug, course.folder)


def _check_refreshers(courses: list[CourseSource], errors: _Collector) -> None:
    slugs = {course.slug for course in courses}
    for course in courses:
        refresher = course.validity.refresher if course.validity else None
        path = course.folder / "course.yaml"
        if refresher is not None and refresher not in slugs:
            errors.add(path, _line_of_key(path, "validity"), f"validity refresher {refresher!r} is not a course here")
        quiz = renewal_quiz_problem(course.validity, {m.slug: m.quiz_file is not None for m in course.modules})
        if quiz is not None:
            errors.add(path, _line_of_key(path, "validity"), quiz)


# --- YAML with line numbers -------------------------------------------------------------------

def _parse_yaml(text: str, path: Path, errors: _Collector, first_line: int = 1):
    """The mapping in `text` and the line of each key, or (None, {}) after reporting an error."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = (mark.line + first_line) if mark else first_line
        problem = getattr(error, "problem", None) or str(error)
        errors.add(path, line, f"bad YAML: {problem}")
        return None, {}
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        errors.add(path, first_line, "expected a mapping of fields (key: value)")
        return None, {}
    lines = {}
    for key_node, value_node in node.value:
        lines[key_node.value] = key_node.start_mark.line + first_line
        if isinstance(value_node, yaml.SequenceNode):
            lines.update({
                (key_node.value, index): item.start_mark.line + first_line
                for index, item in enumerate(value_node.value)
            })
    return data, lines


def _line_of_key(path: Path, key: str) -> int:
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if line.startswith(f"{key}:"):
            return number
    return 1


def _check_fields(data: dict, lines: dict, spec: dict[str, bool], path: Path, errors: _Collector,
                  first_line: int) -> None:
    for name, required in spec.items():
        if required and name not in data:
            errors.add(path, first_line, f"missing field {name!r}")
    for name in data:
        if name not in spec:
            errors.add(path, lines.get(name, first_line),
                       f"unknown field {name!r} (known: {', '.join(spec)})")


# --- course.yaml --------------------------------------------------------------------------------

def _load_course(folder: Path, errors: _Collector) -> CourseSource | None:
    path = folder / "course.yaml"
    if not path.exists():
        errors.add(folder, 0, "course folder without course.yaml")
        return None
    data, lines = _parse_yaml(_read(path, errors) or "", path, errors)
    if data is None:
        return None
    before = len(errors.errors)
    _check_fields(data, lines, COURSE_FIELDS, path, errors, 1)
    course = _course_values(data, lines, folder, path, errors)
    course.validity = read_validity(data, lambda name: lines.get(name, 1), lambda line, text: errors.add(path, line, text))
    course.modules = _load_modules(course, data, lines, path, errors)
    _check_unlisted_files(course, data, errors)
    if len(errors.errors) > before:
        return None
    course.version = content_hash(folder)
    return course


def _course_values(data, lines, folder, path, errors) -> CourseSource:  # type: ignore[no-untyped-def]
    def text(name: str, limit: int) -> str:
        value = data.get(name)
        if name in data and (not isinstance(value, str) or not value.strip()):
            errors.add(path, lines.get(name, 1), f"{name!r} must be non-empty text")
            return ""
        if isinstance(value, str) and len(value) > limit:
            errors.add(path, lines.get(name, 1), f"{name!r} is longer than {limit} characters")
        return (value or "").strip() if isinstance(value, str) else ""

    slug = text("slug", 80)
    if slug in RESERVED_SLUGS:
        errors.add(path, lines.get("slug", 1), f"slug {slug!r} is reserved for a page of the site")
    elif slug and (not SLUG.match(slug) or slug != folder.name):
        errors.add(path, lines.get("slug", 1),
                   f"slug {slug!r} must be lowercase letters, digits and hyphens, and equal the folder name {folder.name!r}")
    language = data.get("language")
    if "language" in data and language not in LANGUAGES:
        errors.add(path, lines.get("language", 1), f"language must be one of {', '.join(LANGUAGES)}, not {language!r}")
    areas = _string_list(data, "competence_areas", lines, path, errors)
    for index, area in enumerate(areas):
        if area not in COMPETENCE_AREAS:
            errors.add(path, lines.get(("competence_areas", index), lines.get("competence_areas", 1)),
                       f"unknown competence area {area!r} (known: {', '.join(COMPETENCE_AREAS)})")
    sdgs = _sdgs(data, lines, path, errors)
    hours = _hours(data, lines, path, errors)
    outcomes, competences = (_string_list(data, name, lines, path, errors) for name in ("learning_outcomes", "competences"))
    return CourseSource(
        slug=slug, folder=folder, title=clean_display_text(text("title", 200)) or "",
        summary=text("summary", 400),
        description=text("description", 20000), language=language if language in LANGUAGES else "sv",
        competence_areas=areas, sdgs=sdgs, estimated_hours=hours,
        certificate_design=text("certificate_design", 80), learning_outcomes=outcomes, competences=competences,
    )


def _string_list(data, name, lines, path, errors) -> list[str]:  # type: ignore[no-untyped-def]
    value = data.get(name)
    if name not in data:
        return []
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        errors.add(path, lines.get(name, 1), f"{name!r} must be a non-empty list of texts")
        return []
    return [v.strip() for v in value]


def _sdgs(data, lines, path, errors) -> list[int]:  # type: ignore[no-untyped-def]
    value = data.get("sdgs")
    if "sdgs" not in data:
        return []
    if not isinstance(value, list) or not value:
        errors.add(path, lines.get("sdgs", 1), "'sdgs' must be a non-empty list of goal numbers 1-17")
        return []
    result = []
    for index, goal in enumerate(value):
        if isinstance(goal, bool) or not isinstance(goal, int) or not 1 <= goal <= 17:
            errors.add(path, lines.get(("sdgs", index), lines.get("sdgs", 1)),
                       f"SDG {goal!r} is not a UN sustainable development goal (1-17)")
        elif goal not in result:
            result.append(goal)
    return result


def _hours(data, lines, path, errors) -> Decimal:  # type: ignore[no-untyped-def]
    value = data.get("estimated_hours")
    if "estimated_hours" not in data:
        return Decimal(0)
    try:
        hours = Decimal(str(value))
        if isinstance(value, bool) or not hours.is_finite() or not 0 < hours <= 500:
            raise InvalidOperation
    except InvalidOperation:
        errors.add(path, lines.get("estimated_hours", 1), f"estimated_hours must be a number of hours, not {value!r}")
        return Decimal(0)
    return hours.quantize(Decimal("0.1"))


# --- modules --------------------------------------------------------------------------------------

def _load_modules(course: CourseSource, data, lines, course_path, errors) -> list[ModuleSource]:  # type: ignore[no-untyped-def]
    listed = data.get("modules")
    if not isinstance(listed, list) or not listed or not all(isinstance(m, str) for m in listed):
        errors.add(course_path, lines.get("modules", 1), "'modules' must be a non-empty list of module file names")
        return []
    modules, seen = [], set()
    for index, slug in enumerate(listed):
        line = lines.get(("modules", index), lines.get("modules", 1))
        if slug in seen:
            errors.add(course_path, line, f"module {slug!r} is listed twice")
            continue
        seen.add(slug)
        if not SLUG.match(slug):
            errors.add(course_path, line, f"module name {slug!r} must be lowercase letters, digits and hyphens")
            continue
        path = course.folder / f"{slug}.md"
        if not path.exists():
            errors.add(course_path, line, f"module {slug!r} is listed but {slug}.md does not exist")
            continue
        module = _load_module(course, slug, index + 1, path, errors)
        if module is not None:
            modules.append(module)
    return modules


FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)---[ \t]*\n", re.S)


def _load_module(course: CourseSource, slug: str, position: int, path: Path, errors) -> ModuleSource | None:  # type: ignore[no-untyped-def]
    text = _read(path, errors)
    if text is None:
        return None
    match = FRONT_MATTER.match(text)
    if not match:
        errors.add(path, 1, "missing front matter: the file must start with '---', the fields, and '---'")
        return None
    data, lines = _parse_yaml(match.group(1), path, errors, first_line=2)
    if data is None:
        return None
    before = len(errors.errors)
    _check_fields(data, lines, MODULE_FIELDS, path, errors, 1)
    title = data.get("title")
    if "title" in data and (not isinstance(title, str) or not title.strip()):
        errors.add(path, lines.get("title", 1), "'title' must be non-empty text")
    minutes = data.get("minutes")
    if "minutes" in data and (isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= 600):
        errors.add(path, lines.get("minutes", 1), f"minutes must be a whole number from 1 to 600, not {minutes!r}")
    required = data.get("required", True)
    if not isinstance(required, bool):
        errors.add(path, lines.get("required", 1), f"required must be true or false, not {required!r}")
    quiz = data.get("quiz")
    quiz_source = None
    if quiz is not None and not _quiz_file_ok(course, quiz):
        errors.add(path, lines.get("quiz", 1), f"quiz file {quiz!r} does not exist beside the module")
    elif quiz is not None:
        quiz_source = _load_quiz(course.folder / quiz, data, lines, path, errors)
    elif "quiz_settings" in data:
        errors.add(path, lines.get("quiz_settings", 1), "quiz_settings without a quiz file")
    body_offset = text[: match.end()].count("\n")
    body = text[match.end():]
    _check_body_links(course, body, body_offset, path, errors)
    if len(errors.errors) > before:
        return None
    return ModuleSource(slug=slug, position=position, title=clean_display_text(title) or "", minutes=minutes,
                        required=required, body=body, quiz_file=quiz, path=path, quiz=quiz_source)


def _load_quiz(quiz_path: Path, data, lines, module_path: Path, errors) -> QuizSource | None:  # type: ignore[no-untyped-def]
    """Settings from the module's front matter, questions from the GIFT file beside it."""
    settings = read_settings(
        data.get("quiz_settings"), lambda name: lines.get(name, 1),
        lambda line, message: errors.add(module_path, line, message),
    )
    source, gift_errors = read_quiz_file(quiz_path, settings)
    for error in gift_errors:
        errors.add(quiz_path, error.line, error.message)
    return source


def _quiz_file_ok(course: CourseSource, quiz: Any) -> bool:
    if not isinstance(quiz, str) or "/" in quiz or "\\" in quiz or not quiz.endswith(".gift"):
        return False
    return (course.folder / quiz).is_file()


_LINKS = MarkdownIt("js-default")


def _check_body_links(course: CourseSource, body: str, offset: int, path: Path, errors) -> None:  # type: ignore[no-untyped-def]
    """Every relative link or image must name a file in the course folder (no way out of it)."""
    for token in _LINKS.parse(body):
        if token.type != "inline":
            continue
        line = offset + (token.map[0] + 1 if token.map else 1)
        for child in token.children or []:
            target = child.attrGet("href") if child.type == "link_open" else (
                child.attrGet("src") if child.type == "image" else None)
            if not target or not is_relative(target):
                continue
            problem = _relative_target_problem(course, target)
            if problem:
                kind = "image" if child.type == "image" else "link"
                errors.add(path, line, f"broken relative {kind} {target!r}: {problem}")


def _relative_target_problem(course: CourseSource, target: str) -> str | None:
    name = unquote(urlsplit(target).path)
    candidate = (course.folder / name).resolve()
    if course.folder.resolve() not in candidate.parents:
        return "it points outside the course folder"
    if not candidate.is_file():
        return "no such file in the course folder"
    if candidate.suffix == ".md":
        return None
    if candidate.suffix.lower() not in ATTACHMENT_TYPES:
        return f"files of type {candidate.suffix or '(none)'} are not served to learners"
    if candidate.suffix.lower() == ".svg" and SVG_PAYLOAD.search(candidate.read_text("utf-8", "replace")):
        return "the SVG contains scripts, event handlers or external references"
    return None


def _check_unlisted_files(course: CourseSource, data: dict, errors: _Collector) -> None:
    listed = set(data.get("modules") or [])
    for path in sorted(course.folder.glob("*.md")):
        if path.stem not in listed:
            errors.add(path, 1, f"module file {path.name} is not listed in course.yaml 'modules'")


def _read(path: Path, errors: _Collector) -> str | None:
    try:
        return path.read_text("utf-8")
    except UnicodeDecodeError as error:
        errors.add(path, 1, f"not UTF-8 text ({error.reason})")
        return None


def content_hash(folder: Path) -> str:
    """A hash of every file of a course: its content version."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def attachment_type(name: str) -> str | None:
    """The content type of a file learners may download, or None when it is not served."""
    return ATTACHMENT_TYPES.get(Path(name).suffix.lower())
