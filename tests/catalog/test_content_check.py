"""`lms content check`: every kind of error, with its file, line and what is wrong."""
import shutil
from pathlib import Path

import pytest

from lms.catalog.content import load_content
from tests.catalog.conftest import SHIPPED, line_of, replace_in


def errors_of(root: Path) -> list[str]:
    return [str(error) for error in load_content(root).errors]


def test_the_shipped_content_passes():
    report = load_content(SHIPPED)
    assert report.errors == []
    assert len(report.courses) >= 5
    # 3-6 modules to complete a course; an optional refresher module (a renewal quiz) comes on top
    assert all(3 <= len([m for m in course.modules if m.required]) <= 6 for course in report.courses)


def test_bad_yaml_in_course_yaml(content):
    path = content / "styrelsearbete" / "course.yaml"
    replace_in(path, "language: sv", "language: [sv")
    [error] = errors_of(content)
    assert error.startswith("courses_content/styrelsearbete/course.yaml:")
    assert "bad YAML" in error


def test_missing_field(content):
    path = content / "styrelsearbete" / "course.yaml"
    replace_in(path, "certificate_design: standard\n", "")
    assert errors_of(content) == [
        "courses_content/styrelsearbete/course.yaml:1: missing field 'certificate_design'"]


def test_unknown_field(content):
    path = content / "styrelsearbete" / "course.yaml"
    replace_in(path, "language: sv", "language: sv\nprice: 100")
    line = line_of(path, "price: 100")
    [error] = errors_of(content)
    assert error.startswith(f"courses_content/styrelsearbete/course.yaml:{line}: unknown field 'price'")


def test_sdg_outside_1_to_17(content):
    path = content / "styrelsearbete" / "course.yaml"
    replace_in(path, "sdgs: [16, 17]", "sdgs:\n  - 16\n  - 18")
    line = line_of(path, "  - 18")
    assert errors_of(content) == [
        f"courses_content/styrelsearbete/course.yaml:{line}: SDG 18 is not a UN sustainable development goal (1-17)"]


def test_duplicate_slugs(content):
    copy = content / "styrelsearbete-kopia"
    shutil.copytree(content / "styrelsearbete", copy)
    errors = errors_of(content)
    assert any("styrelsearbete-kopia/course.yaml:1: slug 'styrelsearbete' must" in e for e in errors)
    replace_in(copy / "course.yaml", "slug: styrelsearbete", "slug: gdpr-for-foreningar")
    errors = errors_of(content)
    assert any("equal the folder name" in e for e in errors)


def test_a_module_listed_twice(content):
    path = content / "styrelsearbete" / "course.yaml"
    replace_in(path, "  - 03-stadgar\n", "  - 03-stadgar\n  - 03-stadgar\n")
    line = line_of(path, "- 03-stadgar") + 1
    assert errors_of(content) == [
        f"courses_content/styrelsearbete/course.yaml:{line}: module '03-stadgar' is listed twice"]


def test_module_listed_but_missing(content):
    (content / "styrelsearbete" / "03-stadgar.md").unlink()
    path = content / "styrelsearbete" / "course.yaml"
    line = line_of(path, "- 03-stadgar")
    assert errors_of(content) == [
        f"courses_content/styrelsearbete/course.yaml:{line}: module '03-stadgar' is listed but 03-stadgar.md does not exist"]


def test_module_present_but_unlisted(content):
    (content / "styrelsearbete" / "07-extra.md").write_text("---\ntitle: Extra\nminutes: 5\n---\nText\n")
    assert errors_of(content) == [
        "courses_content/styrelsearbete/07-extra.md:1: module file 07-extra.md is not listed in course.yaml 'modules'"]


def test_broken_relative_image_and_link(content):
    path = content / "styrelsearbete" / "04-arsmotet.md"
    replace_in(path, "](arsmote-dagordning.svg)", "](saknas.png)")
    line = line_of(path, "](saknas.png)")
    module = content / "styrelsearbete" / "05-styrelsemoten-och-protokoll.md"
    replace_in(module, "](protokollmall.txt)", "](../gdpr-for-foreningar/course.yaml)")
    link_line = line_of(module, "](../gdpr-for-foreningar/course.yaml)")
    assert errors_of(content) == [
        f"courses_content/styrelsearbete/04-arsmotet.md:{line}: broken relative image 'saknas.png': no such file in the course folder",
        f"courses_content/styrelsearbete/05-styrelsemoten-och-protokoll.md:{link_line}: broken relative link "
        "'../gdpr-for-foreningar/course.yaml': it points outside the course folder",
    ]


def test_svg_with_a_script_is_refused(content):
    svg = content / "styrelsearbete" / "arsmote-dagordning.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    [error] = errors_of(content)
    assert "04-arsmotet.md" in error and "the SVG contains scripts" in error


def test_quiz_file_missing(content):
    path = content / "styrelsearbete" / "04-arsmotet.md"
    (content / "styrelsearbete" / "04-arsmotet.gift").unlink()
    assert errors_of(content) == [
        f"courses_content/styrelsearbete/04-arsmotet.md:{line_of(path, 'quiz:')}: quiz file '04-arsmotet.gift' does not exist beside the module"]


@pytest.mark.parametrize("old, new, message", [
    ("minutes: 40", "minutes: forty", "minutes must be a whole number from 1 to 600, not 'forty'"),
    ("required: true", "required: maybe", "required must be true or false, not 'maybe'"),
    ("title: Årsmötet", "title: [Årsmötet", "bad YAML"),
    ("required: true", "required: true\ncolour: red", "unknown field 'colour'"),
])
def test_front_matter_errors_point_at_their_line(content, old, new, message):
    path = content / "styrelsearbete" / "04-arsmotet.md"
    replace_in(path, old, new)
    [error] = errors_of(content)
    assert error.startswith("courses_content/styrelsearbete/04-arsmotet.md:")
    assert message in error
    reported_line = int(error.split(":")[1])
    if "bad YAML" not in message:
        assert reported_line == line_of(path, new.splitlines()[-1])


def test_missing_front_matter(content):
    path = content / "gdpr-for-foreningar" / "02-rattslig-grund.md"
    path.write_text(path.read_text("utf-8").split("---", 2)[2])
    assert errors_of(content) == [
        "courses_content/gdpr-for-foreningar/02-rattslig-grund.md:1: missing front matter: the file must start with '---', the fields, and '---'"]


def test_every_error_is_reported_at_once(content):
    replace_in(content / "styrelsearbete" / "course.yaml", "sdgs: [16, 17]", "sdgs: [0]")
    replace_in(content / "gdpr-for-foreningar" / "course.yaml", "language: sv", "language: fi")
    (content / "styrelsearbete" / "01-den-ideella-foreningen.md").unlink()
    errors = errors_of(content)
    assert len(errors) == 3
    assert {e.split(":")[0] for e in errors} == {
        "courses_content/styrelsearbete/course.yaml", "courses_content/gdpr-for-foreningar/course.yaml"}


def test_the_cli_check_exits_non_zero_and_lists_errors(runner, content):
    replace_in(content / "styrelsearbete" / "course.yaml", "sdgs: [16, 17]", "sdgs: [99]")
    result = runner.invoke(args=["lms", "content", "check", str(content)])
    assert result.exit_code == 1
    assert "SDG 99 is not a UN sustainable development goal" in result.output
    ok = runner.invoke(args=["lms", "content", "check", str(SHIPPED)])
    assert ok.exit_code == 0 and "OK:" in ok.output


def test_the_shipped_courses_say_how_long_their_certificates_hold():
    validity = {course.slug: course.validity for course in load_content(SHIPPED).courses}
    assert validity["gdpr-for-foreningar"].months == 12
    assert validity["leda-volontarer"].months == 24
    assert validity["styrelsearbete"].expiry_from == "fixed_date"
    assert validity["agenda-2030"] is None, "valid without end"


@pytest.mark.parametrize("block, message", [
    ("validity:\n  months: 0\n", "validity months must be a whole number from 1 to 120, not 0"),
    ("validity:\n  months: 12\n  expiry_from: monday\n", "validity expiry_from must be one of"),
    ("validity:\n  months: 12\n  expiry_from: fixed_date\n  fixed_date: '13-01'\n", "validity fixed_date must be"),
    ("validity:\n  months: 12\n  renewed_by: refresher\n", "needs refresher"),
    ("validity:\n  months: 12\n  renewed_by: refresher\n  refresher: ingen-sadan\n", "refresher 'ingen-sadan' is not a course here"),
    ("validity:\n  months: 12\n  windows: 3\n", "unknown validity field 'windows'"),
    ("validity:\n  months: 12\n  renewed_by: quiz\n", "renewed_by: quiz needs quiz"),
    ("validity:\n  months: 12\n  renewed_by: quiz\n  quiz: 09-ingen\n", "validity quiz '09-ingen' is not a module of this course"),
    ("validity:\n  months: 12\n  renewed_by: quiz\n  quiz: 03-medlemsregister-och-informationsplikt\n",
     "validity quiz '03-medlemsregister-och-informationsplikt' has no quiz"),
    ("validity:\n  months: 12\n  renewed_by: quiz\n  quiz: 01-grunderna-i-dataskydd\n  quiz_grace_days: 400\n",
     "validity quiz_grace_days must be a whole number from 0 to 365, not 400"),
    ("validity:\n  months: 12\n  quiz: 01-grunderna-i-dataskydd\n", "only read with renewed_by: quiz"),
    ("validity: yes\n", "'validity' must be a mapping"),
])
def test_a_bad_validity_is_reported_with_its_line(content, block, message):
    path = content / "gdpr-for-foreningar" / "course.yaml"
    text = path.read_text("utf-8")
    path.write_text(text[:text.index("validity:")] + block, "utf-8")
    line = line_of(path, "validity:")
    errors = errors_of(content)
    assert len(errors) == 1 and errors[0].startswith(f"courses_content/gdpr-for-foreningar/course.yaml:{line}: ")
    assert message in errors[0]


def test_a_renewal_quiz_of_the_course_is_accepted(content):
    path = content / "gdpr-for-foreningar" / "course.yaml"
    replace_in(path, "  renewed_by: course", "  renewed_by: quiz\n  quiz: 01-grunderna-i-dataskydd\n  quiz_grace_days: 0")
    assert errors_of(content) == []
    [gdpr] = [c for c in load_content(content).courses if c.slug == "gdpr-for-foreningar"]
    assert (gdpr.validity.renewed_by, gdpr.validity.quiz, gdpr.validity.quiz_grace_days) == \
        ("quiz", "01-grunderna-i-dataskydd", 0)


def test_the_shipped_volunteer_course_is_renewed_by_its_refresher_quiz():
    [course] = [c for c in load_content(SHIPPED).courses if c.slug == "leda-volontarer"]
    refresher = next(m for m in course.modules if m.slug == course.validity.quiz)
    assert course.validity.renewed_by == "quiz" and refresher.quiz_file and not refresher.required


def test_a_refresher_course_of_the_content_is_accepted(content):
    path = content / "gdpr-for-foreningar" / "course.yaml"
    replace_in(path, "  renewed_by: course", "  renewed_by: refresher\n  refresher: styrelsearbete")
    assert errors_of(content) == []
