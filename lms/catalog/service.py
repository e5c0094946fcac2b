"""Courses: importing content, the catalogue, and learners' progress. Callers commit."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable
from urllib.parse import quote, unquote

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, delete, func, select
from sqlalchemy.orm import selectinload

from lms.core.search import any_contains_text
from lms.audit.service import record_event
from lms.catalog.content import ContentError, CourseSource, ModuleSource
from lms.catalog.zipped import folder_package
from lms.catalog.frameworks import FrameworkSource, sync_frameworks
from lms.catalog.markdown import render_markdown
from lms.catalog.queries import with_topics
from lms.catalog.models import (
    ContentVersion, Course, CourseCompetenceArea, CourseSdg, Module, ModuleProgress,
)
from lms.db_types import utcnow
from lms.quizzes.importing import sync_quiz
from lms import events
from lms.events import EventKind
from lms.extensions import db


class ContentInvalid(Exception):
    """The content has errors; nothing was imported."""

    def __init__(self, errors: list[ContentError]):
        super().__init__(f"{len(errors)} error(s) in the content")
        self.errors = errors


@dataclass
class ImportResult:
    created: list[str]
    updated: list[str]
    unchanged: list[str]


# --- import -----------------------------------------------------------------------------------------

def import_content(
    courses: list[CourseSource],
    errors: list[ContentError],
    *,
    actor_id: int | None = None,
    on_course: Callable[[CourseSource], None] | None = None,
    frameworks: list[FrameworkSource] | None = None,
    origin: str = "files",
) -> ImportResult:
    """Bring the database in line with checked content; refuses everything if any check failed."""
    if errors:
        raise ContentInvalid(errors)
    result = ImportResult([], [], [])
    existing = {c.slug: c for c in db.session.execute(
        select(Course).options(selectinload(Course.modules))
    ).scalars()}
    for source in courses:
        course = existing.get(source.slug)
        if course is not None and course.content_version == source.version:
            result.unchanged.append(source.slug)
        elif course is None:
            _create_course(source, actor_id, origin)
            result.created.append(source.slug)
        else:
            summary = _update_course(course, source)
            _record_version(course, source, actor_id, summary, origin)
            result.updated.append(source.slug)
        if on_course:
            on_course(source)
    db.session.flush()
    if frameworks is not None:
        by_slug = {c.slug: c.id for c in db.session.execute(select(Course)).scalars()}
        sync_frameworks(frameworks, [(by_slug[c.slug], c.competences) for c in courses])
    return result


def _create_course(source: CourseSource, actor_id: int | None, origin: str) -> Course:
    course = Course(slug=source.slug, published=True)
    db.session.add(course)
    _apply_course_fields(course, source)
    course.modules = [_new_module(source, m) for m in source.modules]
    db.session.flush()
    _sync_quizzes(course, source)
    _record_version(course, source, actor_id, "created", origin)
    return course


def _update_course(course: Course, source: CourseSource) -> str:
    """Update in place, keyed by module slug, so that progress on kept modules survives."""
    _apply_course_fields(course, source)
    current = {m.slug: m for m in course.modules}
    wanted = {m.slug for m in source.modules}
    removed = [m for slug, m in current.items() if slug not in wanted]
    added = changed = 0
    for module_source in source.modules:
        module = current.get(module_source.slug)
        if module is None:
            course.modules.append(_new_module(source, module_source))
            added += 1
        elif _apply_module_fields(module, source, module_source):
            changed += 1
    for module in removed:
        course.modules.remove(module)
    db.session.flush()
    _sync_quizzes(course, source)
    course.updated_at = utcnow()
    return f"updated: {changed} changed, {added} added, {len(removed)} removed"


def _sync_quizzes(course: Course, source: CourseSource) -> None:
    modules = {m.slug: m for m in course.modules}
    for module_source in source.modules:
        if module_source.quiz is not None:
            sync_quiz(modules[module_source.slug], module_source.quiz)


def _apply_course_fields(course: Course, source: CourseSource) -> None:
    course.title = source.title
    course.summary = source.summary
    course.description = source.description
    course.description_html = render_markdown(source.description, course_url_rewriter(source.slug))
    course.language = source.language
    course.estimated_hours = source.estimated_hours
    course.certificate_design = source.certificate_design
    course.learning_outcomes = source.learning_outcomes
    course.validity = source.validity.as_dict() if source.validity else None
    course.content_version = source.version
    if course.area_names != sorted(source.competence_areas):
        course.competence_areas = [CourseCompetenceArea(area=a) for a in source.competence_areas]
    if course.sdgs != sorted(source.sdgs):
        course.sdg_links = [CourseSdg(sdg=goal) for goal in source.sdgs]


def _new_module(course: CourseSource, source: ModuleSource) -> Module:
    module = Module(slug=source.slug)
    _apply_module_fields(module, course, source)
    return module


def _apply_module_fields(module: Module, course: CourseSource, source: ModuleSource) -> bool:
    """Set the module's fields; True when its text or settings changed (not only its place)."""
    module.position = source.position
    values = {
        "title": source.title, "minutes": source.minutes,
        "required": source.required, "quiz_file": source.quiz_file, "body": source.body,
        "body_html": render_markdown(source.body, course_url_rewriter(course.slug)),
    }
    changed = any(getattr(module, name) != value for name, value in values.items())
    for name, value in values.items():
        setattr(module, name, value)
    return changed


def course_url_rewriter(course_slug: str) -> Callable[[str], str]:
    """Relative links to modules open the reader; other relative targets are attachments.

    The paths are those of `catalog.module` and `catalog.attachment` (a test keeps them equal);
    they are written out here because imports run without a request to build URLs from.
    """

    def rewrite(target: str) -> str:
        name, _, fragment = target.partition("#")
        name = quote(unquote(name))
        if name.endswith(".md"):
            url = f"/courses/{course_slug}/modules/{name[:-3]}"
        else:
            url = f"/courses/{course_slug}/files/{name}"
        return f"{url}#{fragment}" if fragment else url

    return rewrite


def _record_version(course: Course, source: CourseSource, actor_id: int | None, summary: str, origin: str) -> None:
    """The import in the history, with the files it imported (to compare and restore versions)."""
    db.session.add(ContentVersion(course=course, version=source.version, imported_by_id=actor_id, summary=summary,
                                  package=folder_package(source.folder, source.slug), origin=origin))
    record_event(actor_id, "course.content_imported", "course", course.id, version=source.version[:12],
                 summary=summary)


# --- catalogue --------------------------------------------------------------------------------------

#: courses per page of the public catalogue
CATALOGUE_PAGE_SIZE = 12


def catalogue_query(
    text: str = "", area: str | None = None, sdg: int | None = None, language: str | None = None
) -> Select:
    """Published courses matching a free-text search and the filters, by title."""
    query = (select(Course).where(Course.published.is_(True)).options(*with_topics())
             .order_by(Course.title, Course.id))
    for word in text.split():
        query = query.where(any_contains_text(word, Course.title, Course.summary, Course.description))
    if area:
        query = query.where(Course.competence_areas.any(CourseCompetenceArea.area == area))
    if sdg:
        query = query.where(Course.sdg_links.any(CourseSdg.sdg == sdg))
    if language:
        query = query.where(Course.language == language)
    return query


def search_catalogue(
    text: str = "", area: str | None = None, sdg: int | None = None, language: str | None = None
) -> list[Course]:
    return list(db.session.execute(catalogue_query(text, area, sdg, language)).scalars())


def catalogue_page(text: str = "", area: str | None = None, sdg: int | None = None,
                   language: str | None = None, *, page: int = 1,
                   per_page: int = CATALOGUE_PAGE_SIZE) -> Pagination:
    """One page of the catalogue; a page past the end is empty rather than an error."""
    return db.paginate(catalogue_query(text, area, sdg, language), page=max(page, 1), per_page=per_page,
                       error_out=False)


def catalogue_facets() -> dict[str, list]:
    """The areas, goals and languages that published courses have, for the filter menus."""
    published = select(Course.id).where(Course.published.is_(True))
    areas = db.session.execute(select(CourseCompetenceArea.area).distinct()
                               .where(CourseCompetenceArea.course_id.in_(published))
                               .order_by(CourseCompetenceArea.area)).scalars()
    goals = db.session.execute(select(CourseSdg.sdg).distinct()
                               .where(CourseSdg.course_id.in_(published)).order_by(CourseSdg.sdg)).scalars()
    languages = db.session.execute(select(Course.language).distinct()
                                   .where(Course.published.is_(True)).order_by(Course.language)).scalars()
    return {"areas": list(areas), "sdgs": list(goals), "languages": list(languages)}


def edited_in_the_browser(sources: list[CourseSource]) -> list[tuple[CourseSource, ContentVersion]]:
    """The courses whose last version was made in the browser and whose files now say something else:
    importing those files would silently undo an edit made in the browser."""
    slugs = [s.slug for s in sources]
    latest = select(ContentVersion.course_id, func.max(ContentVersion.id).label("id")).group_by(
        ContentVersion.course_id).subquery()
    rows = db.session.execute(
        select(Course.slug, ContentVersion).join(latest, latest.c.course_id == Course.id)
        .join(ContentVersion, ContentVersion.id == latest.c.id)
        .options(selectinload(ContentVersion.imported_by))
        .where(Course.slug.in_(slugs), ContentVersion.origin == "browser")
    ).all()
    last = {slug: version for slug, version in rows}
    return [(s, last[s.slug]) for s in sources if s.slug in last and last[s.slug].version != s.version]


def let_trainers_edit(course: Course, allowed: bool, *, actor_id: int) -> None:
    """Let the trainers of the course's cycles edit it in the browser, or stop letting them."""
    if course.trainers_may_edit != allowed:
        course.trainers_may_edit = allowed
        record_event(actor_id, "course.trainers_may_edit", "course", course.id, allowed=allowed)
        db.session.flush()


def get_course(slug: str) -> Course | None:
    return db.session.execute(
        select(Course).options(selectinload(Course.modules)).where(Course.slug == slug)
    ).scalar_one_or_none()


def set_published(course: Course, published: bool, *, actor_id: int) -> None:
    course.published = published
    record_event(actor_id, "course.published" if published else "course.unpublished",
                 "course", course.id)


# --- progress ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CourseProgress:
    course: Course
    done_module_ids: frozenset[int]
    #: the person's current enrolments in the course's cycles (enrolled, wait-listed, asked)
    enrolments: tuple = ()

    @property
    def required_modules(self) -> list[Module]:
        return [m for m in self.course.modules if m.required]

    @property
    def required_done(self) -> int:
        return sum(1 for m in self.required_modules if m.id in self.done_module_ids)

    @property
    def percent(self) -> int:
        required = len(self.required_modules)
        return round(100 * self.required_done / required) if required else 100

    @property
    def complete(self) -> bool:
        return self.required_done == len(self.required_modules)

    @property
    def next_module(self) -> Module | None:
        return next((m for m in self.course.modules if m.id not in self.done_module_ids), None)


def done_module_ids(user_id: int, module_ids: Iterable[int] | None = None) -> frozenset[int]:
    query = select(ModuleProgress.module_id).where(ModuleProgress.user_id == user_id)
    if module_ids is not None:
        query = query.where(ModuleProgress.module_id.in_(list(module_ids)))
    return frozenset(db.session.execute(query).scalars())


def course_progress(user_id: int, course: Course) -> CourseProgress:
    return CourseProgress(course, done_module_ids(user_id, [m.id for m in course.modules]))


def mark_module_done(user_id: int, module: Module) -> bool:
    """Record the module as done; False when it already was (marking twice changes nothing)."""
    exists = db.session.execute(select(ModuleProgress.id).where(
        ModuleProgress.user_id == user_id, ModuleProgress.module_id == module.id)).first()
    if exists:
        return False
    db.session.add(ModuleProgress(user_id=user_id, module_id=module.id))
    db.session.flush()
    events.record(EventKind.PROGRESS_MADE, user_id=user_id, now=utcnow())
    return True


def mark_module_not_done(user_id: int, module: Module) -> None:
    db.session.execute(delete(ModuleProgress).where(
        ModuleProgress.user_id == user_id, ModuleProgress.module_id == module.id))


def my_learning(user_id: int) -> list[CourseProgress]:
    """Every course the learner has started or holds a place in, most recently active first.

    A cycle one is enrolled in, wait-listed for or has asked to join shows from the start, not
    only once a module is done; courses without progress yet come after those with progress.
    """
    from lms.enrolment.models import Enrolment, EnrolmentStatus
    from lms.planning.models import Cycle

    rows = db.session.execute(
        select(Module.course_id, func.max(ModuleProgress.completed_at))
        .join(ModuleProgress, ModuleProgress.module_id == Module.id)
        .where(ModuleProgress.user_id == user_id)
        .group_by(Module.course_id)
        .order_by(func.max(ModuleProgress.completed_at).desc())
    ).all()
    current = (EnrolmentStatus.PENDING, EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITLISTED)
    enrolments = db.session.execute(
        select(Enrolment).join(Cycle, Cycle.id == Enrolment.cycle_id)
        .options(selectinload(Enrolment.cycle))
        .where(Enrolment.user_id == user_id, Enrolment.status.in_(current))
        .order_by(Cycle.first_date, Cycle.id)
    ).scalars().all()
    by_course: dict[int, list] = {}
    for enrolment in enrolments:
        by_course.setdefault(enrolment.cycle.course_id, []).append(enrolment)
    course_ids = [row[0] for row in rows]
    course_ids += [i for i in by_course if i not in course_ids]
    if not course_ids:
        return []
    courses = {c.id: c for c in db.session.execute(
        select(Course).options(selectinload(Course.modules)).where(Course.id.in_(course_ids))
    ).scalars()}
    done = done_module_ids(user_id)
    return [CourseProgress(courses[i], done, tuple(by_course.get(i, ()))) for i in course_ids]


def readable_course(slug: str, user_id: int | None, *, is_staff: bool) -> Course | None:
    """The course by slug if this person may read it (see `can_read_course`), else None."""
    course = get_course(slug)
    if course is None:
        return None
    has_progress = user_id is not None and bool(done_module_ids(user_id, [m.id for m in course.modules]))
    return course if can_read_course(course, is_staff=is_staff, has_progress=has_progress) else None


def can_read_course(course: Course, *, is_staff: bool, has_progress: bool) -> bool:
    """Unpublished courses stay readable for staff and for learners who have started them."""
    return course.published or is_staff or has_progress


def module_by_slug(course: Course, module_slug: str) -> Module | None:
    return next((m for m in course.modules if m.slug == module_slug), None)


def neighbours(course: Course, module: Module) -> tuple[Module | None, Module | None]:
    index = course.modules.index(module)
    previous = course.modules[index - 1] if index > 0 else None
    following = course.modules[index + 1] if index + 1 < len(course.modules) else None
    return previous, following



def all_courses_with_versions() -> list[Course]:
    return list(db.session.execute(
        select(Course).options(selectinload(Course.modules), selectinload(Course.versions))
        .order_by(Course.title)
    ).scalars())


def get_course_with_history(slug: str) -> Course | None:
    return db.session.execute(
        select(Course)
        .options(selectinload(Course.versions).joinedload(ContentVersion.imported_by),
                 selectinload(Course.modules))
        .where(Course.slug == slug)
    ).scalar_one_or_none()
