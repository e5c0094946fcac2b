"""Frameworks as files: checked with the courses, imported in the same transaction, mapped to courses."""
from pathlib import Path

from sqlalchemy import func, select

from lms.catalog.content import load_content
from lms.catalog.framework_models import Competence, CourseCompetence, Framework
from lms.catalog.models import Course
from lms.catalog.service import import_content
from lms.extensions import db
from tests.catalog.conftest import SHIPPED, content, line_of, replace_in  # noqa: F401  (the fixture)

GREENCOMP = {
    "valuing-sustainability", "supporting-fairness", "promoting-nature", "systems-thinking", "critical-thinking",
    "problem-framing", "futures-literacy", "adaptability", "exploratory-thinking", "political-agency",
    "collective-action", "individual-initiative",
}


def errors_of(root: Path) -> list[str]:
    return [str(error) for error in load_content(root).errors]


def test_the_shipped_frameworks_have_greencomp_and_every_course_maps_to_them():
    report = load_content(SHIPPED)
    assert report.errors == []
    frameworks = {f.slug: f for f in report.frameworks}
    greencomp = frameworks["greencomp"]
    assert {c.slug for c in greencomp.competences} == GREENCOMP
    assert len({c.area_slug for c in greencomp.competences}) == 4
    assert "doi:10.2760/13286" in greencomp.source
    assert all(c.statement.sv and c.statement.en and c.name.sv for c in greencomp.competences)
    assert {"practice/board-work", "practice/association-finance", "practice/volunteer-leadership"} <= {
        c.key for c in frameworks["practice"].competences}
    assert all(course.competences for course in report.courses)


def test_a_course_naming_an_unknown_competence_is_an_error(content):
    path = content / "styrelsearbete" / "course.yaml"
    replace_in(path, "  - practice/board-work", "  - practice/bord-work")
    assert errors_of(content) == [
        f"courses_content/styrelsearbete/course.yaml:{line_of(path, 'bord-work')}: competence 'practice/bord-work' "
        "is in no framework of _frameworks/ (framework/competence)"]


def test_a_broken_framework_file_is_reported_with_its_line(content):
    path = content / "_frameworks" / "greencomp.yaml"
    replace_in(path, "        statement:\n          sv: Jag kan se hur olika", "        statment:\n          sv: Jag kan se hur olika")
    errors = errors_of(content)
    assert any(e.startswith("courses_content/_frameworks/greencomp.yaml:") and "unknown field 'statment'" in e
               for e in errors)


def test_a_framework_without_source_or_with_a_wrong_slug_is_refused(content):
    path = content / "_frameworks" / "practice.yaml"
    replace_in(path, "slug: practice\n", "slug: praktik\n")
    errors = errors_of(content)
    assert any("slug 'praktik' must be lowercase letters, digits and hyphens, and equal the file name 'practice'" in e
               for e in errors)


def test_import_brings_frameworks_and_mappings_in_line_and_retires_what_left(app, content):
    report = load_content(content)
    import_content(report.courses, report.errors, frameworks=report.frameworks)
    db.session.commit()
    assert db.session.execute(select(func.count(Framework.id))).scalar_one() == 2
    course = db.session.execute(select(Course).where(Course.slug == "styrelsearbete")).scalar_one()
    mapped = db.session.execute(select(Competence.key).join(CourseCompetence).where(
        CourseCompetence.course_id == course.id)).scalars()
    assert sorted(mapped) == ["greencomp/collective-action", "greencomp/political-agency", "practice/board-work"]
    replace_in(content / "styrelsearbete" / "course.yaml", "  - greencomp/political-agency\n", "")
    replace_in(content / "_frameworks" / "practice.yaml", "      - slug: data-protection", "      - slug: data-privacy")
    replace_in(content / "gdpr-for-foreningar" / "course.yaml", "practice/data-protection", "practice/data-privacy")
    report = load_content(content)
    assert report.errors == []
    import_content(report.courses, report.errors, frameworks=report.frameworks)
    db.session.commit()
    assert db.session.execute(select(func.count()).select_from(CourseCompetence).where(
        CourseCompetence.course_id == course.id)).scalar_one() == 2
    retired = db.session.execute(select(Competence).where(Competence.key == "practice/data-protection")).scalar_one()
    assert retired.retired and not db.session.execute(
        select(Competence).where(Competence.key == "practice/data-privacy")).scalar_one().retired


def test_content_check_counts_the_frameworks(runner):
    result = runner.invoke(args=["lms", "content", "check", str(SHIPPED)])
    assert result.exit_code == 0, result.output
    assert "2 frameworks with 17 competences" in result.output
