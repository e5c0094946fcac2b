"""`lms content import`: all or nothing, idempotent, in place, with a version history."""
from sqlalchemy import func, select

from lms.audit.models import AuditEvent
from lms.catalog.content import load_content
from lms.catalog.models import ContentVersion, Course, Module, ModuleProgress
from lms.catalog.service import ContentInvalid, import_content, mark_module_done
from lms.extensions import db
from tests.catalog.conftest import SHIPPED, replace_in
from tests.factories import make_user


def _import(runner, path, *extra):
    return runner.invoke(args=["lms", "content", "import", str(path), *extra])


def _count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_import_creates_courses_and_modules_with_rendered_text(runner):
    result = _import(runner, SHIPPED)
    assert result.exit_code == 0, result.output
    assert "6 created" in result.output
    course = db.session.execute(select(Course).where(Course.slug == "styrelsearbete")).scalar_one()
    assert course.title == "Styrelsearbete i ideella föreningar"
    assert course.sdgs == [16, 17] and "Föreningsstyrning" in course.area_names
    assert [m.position for m in course.modules] == list(range(1, len(course.modules) + 1))
    arsmote = next(m for m in course.modules if m.slug == "04-arsmotet")
    assert '<img src="/courses/styrelsearbete/files/arsmote-dagordning.svg"' in arsmote.body_html
    assert arsmote.quiz_file == "04-arsmotet.gift"
    assert len(course.content_version) == 64


def test_a_broken_second_course_leaves_everything_untouched(runner, content):
    assert _import(runner, content).exit_code == 0
    before = {c.slug: c.content_version for c in db.session.execute(select(Course)).scalars()}
    replace_in(content / "styrelsearbete" / "course.yaml", "title: Styrelsearbete i ideella föreningar",
               "title: Ny titel på styrelsekursen")
    replace_in(content / "gdpr-for-foreningar" / "course.yaml", "sdgs:", "sdgs: [42]\nold_sdgs:")
    result = _import(runner, content)
    assert result.exit_code == 1 and "nothing was imported" in result.output
    db.session.expire_all()
    after = {c.slug: (c.content_version, c.title) for c in db.session.execute(select(Course)).scalars()}
    assert {slug: version for slug, (version, _) in after.items()} == before
    assert after["styrelsearbete"][1] == "Styrelsearbete i ideella föreningar"


def test_import_refuses_at_the_service_too(app, content):
    replace_in(content / "styrelsearbete" / "course.yaml", "language: sv", "language: de")
    report = load_content(content)
    try:
        import_content(report.courses, report.errors)
    except ContentInvalid as error:
        assert len(error.errors) == 1
    else:
        raise AssertionError("import went ahead with errors")
    assert _count(Course) == 0


def test_reimporting_unchanged_content_changes_nothing(runner, content):
    _import(runner, content)
    versions, events = _count(ContentVersion), _count(AuditEvent)
    modules = {m.id: m.body_html for m in db.session.execute(select(Module)).scalars()}
    result = _import(runner, content)
    assert "0 created, 0 updated, 2 unchanged" in result.output
    assert (_count(ContentVersion), _count(AuditEvent)) == (versions, events)
    assert {m.id: m.body_html for m in db.session.execute(select(Module)).scalars()} == modules


def test_changed_content_updates_in_place_and_keeps_progress(runner, content):
    _import(runner, content)
    learner = make_user()
    course = db.session.execute(select(Course).where(Course.slug == "styrelsearbete")).scalar_one()
    kept, dropped = course.modules[0], course.modules[2]
    kept_id, dropped_slug = kept.id, dropped.slug
    mark_module_done(learner.id, kept)
    mark_module_done(learner.id, dropped)
    coordinator = make_user("samordnare@example.org", roles=["coordinator"])
    db.session.commit()

    folder = content / "styrelsearbete"
    replace_in(folder / "course.yaml", f"  - {dropped_slug}\n", "")
    (folder / f"{dropped_slug}.md").unlink()
    text = (folder / f"{kept.slug}.md").read_text("utf-8")
    (folder / f"{kept.slug}.md").write_text(text + "\n## Nytt avsnitt\n\nMer text.\n", "utf-8")
    result = _import(runner, content, "--as", "samordnare@example.org")
    assert "1 updated, 1 unchanged" in result.output, result.output

    db.session.expire_all()
    course = db.session.execute(select(Course).where(Course.slug == "styrelsearbete")).scalar_one()
    assert dropped_slug not in [m.slug for m in course.modules]
    assert course.modules[0].id == kept_id and "Nytt avsnitt" in course.modules[0].body_html
    progress = db.session.execute(select(ModuleProgress.module_id).where(
        ModuleProgress.user_id == learner.id)).scalars().all()
    assert progress == [kept_id]
    latest = course.versions[0]
    assert latest.version == course.content_version
    assert latest.imported_by_id == coordinator.id
    assert latest.summary == "updated: 1 changed, 0 added, 1 removed"
    assert len(course.versions) == 2


def test_an_unpublished_course_stays_unpublished_after_reimport(runner, content):
    _import(runner, content)
    course = db.session.execute(select(Course).where(Course.slug == "styrelsearbete")).scalar_one()
    course.published = False
    db.session.commit()
    replace_in(content / "styrelsearbete" / "course.yaml", "estimated_hours: 6", "estimated_hours: 7")
    _import(runner, content)
    db.session.expire_all()
    assert course.published is False and str(course.estimated_hours) == "7.0"
