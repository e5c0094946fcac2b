"""Competence frameworks as files: `courses_content/_frameworks/<slug>.yaml` (docs/content-format.md).

Read and checked with the courses (`lms content check`), imported in the same transaction
(`lms content import`). Each competence is known by its key `<framework>/<competence>`, which a
course's `competences:` list names. Nothing here touches the database.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import yaml
from sqlalchemy import delete, select

from lms.catalog.framework_models import Competence, CourseCompetence, Framework
from lms.extensions import db

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

FOLDER = "_frameworks"
FRAMEWORK_FIELDS = {"slug", "title", "source", "areas"}
AREA_FIELDS = {"slug", "name", "competences"}
COMPETENCE_FIELDS = {"slug", "name", "statement"}
Report = Callable[[Path, int, str], None]


@dataclass(frozen=True)
class Wording:
    sv: str
    en: str


@dataclass(frozen=True)
class CompetenceSource:
    key: str
    slug: str
    position: int
    area_slug: str
    area: Wording
    name: Wording
    statement: Wording


@dataclass
class FrameworkSource:
    slug: str
    title: Wording
    source: str
    competences: list[CompetenceSource] = field(default_factory=list)


def load_frameworks(root: Path, report: Report) -> list[FrameworkSource]:
    """Every framework file under `root/_frameworks/` (none is fine: courses then map to nothing)."""
    folder = Path(root) / FOLDER
    if not folder.is_dir():
        return []
    frameworks, seen_keys = [], set()  # type: ignore[var-annotated]
    for path in sorted(folder.glob("*.yaml")):
        framework = _load(path, report)
        if framework is None:
            continue
        for competence in framework.competences:
            if competence.key in seen_keys:
                report(path, 1, f"competence {competence.key!r} is defined twice")
            seen_keys.add(competence.key)
        frameworks.append(framework)
    return frameworks


def check_course_competences(courses: list[Any], frameworks: list[FrameworkSource],
                             report: Report) -> list[FrameworkSource]:
    """Each key in a course's `competences:` must name a competence of a framework, and only once;
    returns the frameworks."""
    known = competence_keys(frameworks)
    for path, keys in ((course.folder / "course.yaml", course.competences) for course in courses):
        lines = path.read_text("utf-8").splitlines()
        for index, key in enumerate(keys):
            line = next((n for n, text in enumerate(lines, start=1) if key in text), 1)
            if key not in known:
                report(path, line, f"competence {key!r} is in no framework of _frameworks/ (framework/competence)")
            elif key in keys[:index]:
                report(path, line, f"competence {key!r} is listed twice")
    return frameworks


def competence_keys(frameworks: list[FrameworkSource]) -> set[str]:
    return {c.key for f in frameworks for c in f.competences}


def _load(path: Path, report: Report) -> FrameworkSource | None:
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        mark = getattr(error, "problem_mark", None)
        report(path, mark.line + 1 if mark else 1, f"bad YAML: {getattr(error, 'problem', None) or error}")
        return None
    if not isinstance(data, dict):
        report(path, 1, "expected a mapping of fields (key: value)")
        return None
    errors_before: list[str] = []

    def problem(message: str) -> None:
        errors_before.append(message)
        report(path, _line_of(path, message), message)

    _fields(data, FRAMEWORK_FIELDS, "framework", problem)
    slug = data.get("slug")
    if not isinstance(slug, str) or not SLUG.match(slug) or slug != path.stem:
        problem(f"slug {slug!r} must be lowercase letters, digits and hyphens, and equal the file name {path.stem!r}")
    title = _wording(data.get("title"), "title", problem)
    source = data.get("source")
    if not isinstance(source, str) or not source.strip():
        problem("'source' must name where the framework comes from")
    areas = data.get("areas")
    if not isinstance(areas, list) or not areas:
        problem("'areas' must be a non-empty list")
        areas = []
    competences: list[CompetenceSource] = []
    for area in areas:
        competences.extend(_area(slug, area, len(competences), problem))
    if errors_before:
        return None
    return FrameworkSource(slug=slug, title=title, source=source.strip(), competences=competences)  # type: ignore[union-attr]


def _area(framework: Any, area: Any, offset: int, problem: Callable[[str], None]) -> list[CompetenceSource]:
    if not isinstance(area, dict):
        problem("each area must be a mapping with slug, name and competences")
        return []
    _fields(area, AREA_FIELDS, "area", problem)
    area_slug = area.get("slug")
    if not isinstance(area_slug, str) or not SLUG.match(area_slug):
        problem(f"area slug {area_slug!r} must be lowercase letters, digits and hyphens")
    name = _wording(area.get("name"), f"the name of area {area_slug}", problem)
    listed = area.get("competences")
    if not isinstance(listed, list) or not listed:
        problem(f"area {area_slug!r} must list its competences")
        return []
    result = []
    for competence in listed:
        if not isinstance(competence, dict):
            problem(f"each competence of area {area_slug!r} must be a mapping with slug, name and statement")
            continue
        _fields(competence, COMPETENCE_FIELDS, "competence", problem)
        slug = competence.get("slug")
        if not isinstance(slug, str) or not SLUG.match(slug):
            problem(f"competence slug {slug!r} must be lowercase letters, digits and hyphens")
            continue
        result.append(CompetenceSource(
            key=f"{framework}/{slug}", slug=slug, position=offset + len(result) + 1, area_slug=str(area_slug),
            area=name, name=_wording(competence.get("name"), f"the name of {slug}", problem),
            statement=_wording(competence.get("statement"), f"the statement of {slug}", problem),
        ))
    return result


def _fields(data: dict, known: set[str], what: str, problem: Callable[[str], None]) -> None:
    for name in sorted(known - set(data)):
        problem(f"{what}: missing field {name!r}")
    for name in sorted(set(data) - known):
        problem(f"{what}: unknown field {name!r} (known: {', '.join(sorted(known))})")


def _wording(value: Any, what: str, problem: Callable[[str], None]) -> Wording:
    """Text in Swedish and English (`{sv: …, en: …}`), each at most 300 characters."""
    if not isinstance(value, dict) or set(value) != {"sv", "en"} or not all(
            isinstance(v, str) and v.strip() and len(v) <= 300 for v in value.values()):
        problem(f"{what} must be Swedish and English text (sv: …, en: …), at most 300 characters each")
        return Wording("", "")
    return Wording(value["sv"].strip(), value["en"].strip())


def _line_of(path: Path, message: str) -> int:
    """The line of the first quoted name in the message, so that the error points near its cause."""
    quoted = [part for part in message.split("'")[1::2] if part]
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if quoted and quoted[0] in line:
            return number
    return 1


def sync_frameworks(frameworks: list[FrameworkSource], courses: list[tuple[int, list[str]]]) -> None:
    """Bring frameworks, competences and each course's mapping (course id, keys) in line; flushes.

    Called by `import_content`, in the same transaction as the courses.
    """
    existing = {f.slug: f for f in db.session.execute(select(Framework)).scalars()}
    competences = {c.key: c for c in db.session.execute(select(Competence)).scalars()}
    wanted = set()
    for source in frameworks:
        framework = existing.get(source.slug) or Framework(slug=source.slug)
        framework.title_sv, framework.title_en, framework.source = source.title.sv, source.title.en, source.source
        db.session.add(framework)
        for item in source.competences:
            competence = competences.get(item.key) or Competence(key=item.key, framework=framework)
            competence.framework = framework
            competence.position, competence.area_slug, competence.retired = item.position, item.area_slug, False
            competence.area_sv, competence.area_en = item.area.sv, item.area.en
            competence.name_sv, competence.name_en = item.name.sv, item.name.en
            competence.statement_sv, competence.statement_en = item.statement.sv, item.statement.en
            db.session.add(competence)
            competences[item.key] = competence
            wanted.add(item.key)
    for key, competence in competences.items():
        if key not in wanted:
            competence.retired = True
    db.session.flush()
    course_ids = [course_id for course_id, _ in courses]
    if course_ids:
        db.session.execute(delete(CourseCompetence).where(CourseCompetence.course_id.in_(course_ids)))
    db.session.add_all(CourseCompetence(course_id=course_id, competence_id=competences[key].id)
                       for course_id, keys in courses for key in keys)
    db.session.flush()
