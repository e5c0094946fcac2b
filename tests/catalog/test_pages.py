"""The catalogue, course pages, the reader, progress and content history, through HTTP."""
import pytest
from sqlalchemy import select

from lms.catalog.content import load_content
from lms.catalog.models import Course, ModuleProgress
from lms.catalog.service import import_content
from lms.extensions import db
from tests.catalog.conftest import SHIPPED
from tests.factories import make_course, make_user

EN = {"Accept-Language": "en"}


@pytest.fixture
def courses(app):
    report = load_content(SHIPPED)
    import_content(report.courses, report.errors)
    db.session.commit()
    return {c.slug: c for c in db.session.execute(select(Course)).scalars()}


def test_the_catalogue_is_public_and_lists_every_published_course(client, courses):
    html = client.get("/courses").text
    for course in courses.values():
        assert course.title in html


@pytest.mark.parametrize("query, expected, absent", [
    ("q=årsmöte", "Styrelsearbete i ideella föreningar", "GDPR för föreningar"),
    ("q=IMY personuppgiftsincident", "GDPR för föreningar", "Styrelsearbete"),
    ("area=Hållbar+utveckling", "Agenda 2030", "GDPR för föreningar"),
    ("sdg=5", None, None),
    ("language=en", None, "Styrelsearbete"),
])
def test_search_and_filters(client, courses, query, expected, absent):
    html = client.get(f"/courses?{query}").text
    if expected:
        assert expected in html
    if absent:
        assert absent not in html


def test_filter_by_goal_shows_exactly_the_courses_with_it(client, courses):
    html = client.get("/courses?sdg=16").text
    for course in courses.values():
        assert (course.title in html) == (16 in course.sdgs), course.slug


def test_the_course_page_is_public(client, courses):
    response = client.get("/courses/styrelsearbete", headers=EN)
    assert response.status_code == 200
    html = response.text
    assert "Efter kursen kan du" in html and "Goal 16" in html
    assert "Log in to read the modules" in html
    assert client.get("/courses/no-such-course").status_code == 404


def test_reading_needs_a_log_in(client, courses):
    response = client.get("/courses/styrelsearbete/modules/04-arsmotet")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_learner_reads_marks_done_and_sees_progress(learner_client, courses):
    page = learner_client.get("/courses/styrelsearbete/modules/02-styrelsens-roller", headers=EN).text
    assert "Module 2 of 6" in page and "Mark as done" in page
    response = learner_client.post("/courses/styrelsearbete/modules/02-styrelsens-roller/done")
    assert response.headers["Location"] == "/courses/styrelsearbete/modules/03-stadgar"
    course_page = learner_client.get("/courses/styrelsearbete", headers=EN).text
    assert "1 of 6 required modules done" in course_page
    learning = learner_client.get("/my/learning", headers=EN).text
    assert "Styrelsearbete i ideella föreningar" in learning and "Continue with" in learning
    learner_client.post("/courses/styrelsearbete/modules/02-styrelsens-roller/done")
    assert len(db.session.execute(select(ModuleProgress)).scalars().all()) == 1
    learner_client.post("/courses/styrelsearbete/modules/02-styrelsens-roller/done", data={"undo": "1"})
    assert "0 of 6 required modules done" in learner_client.get("/courses/styrelsearbete", headers=EN).text


def test_optional_modules_do_not_count_towards_progress(learner_client, courses):
    course = make_course("valfri-kurs", modules=3)
    course.modules[2].required = False
    db.session.commit()
    for module in course.modules[:2]:
        learner_client.post(f"/courses/valfri-kurs/modules/{module.slug}/done")
    learning = learner_client.get("/my/learning", headers=EN).text
    assert "All required modules are done" in learning


def test_the_reader_links_previous_and_next(learner_client, courses):
    html = learner_client.get("/courses/styrelsearbete/modules/03-stadgar").text
    assert 'rel="prev" href="/courses/styrelsearbete/modules/02-styrelsens-roller"' in html
    assert 'rel="next" href="/courses/styrelsearbete/modules/04-arsmotet"' in html
    assert learner_client.get("/courses/styrelsearbete/modules/99-nope").status_code == 404


def test_rewritten_paths_match_the_routes(app, courses):
    from flask import url_for

    with app.test_request_context():
        assert url_for("catalog.attachment", slug="s", filename="a.svg") == "/courses/s/files/a.svg"
        assert url_for("catalog.module", slug="s", module_slug="m") == "/courses/s/modules/m"


def test_attachments_are_served_with_their_type_and_a_sandbox(client, courses):
    svg = client.get("/courses/styrelsearbete/files/arsmote-dagordning.svg")
    assert svg.status_code == 200 and svg.headers["Content-Type"] == "image/svg+xml"
    assert "sandbox" in svg.headers["Content-Security-Policy"]
    text = client.get("/courses/styrelsearbete/files/protokollmall.txt")
    assert text.headers["Content-Type"] == "text/plain; charset=utf-8"


@pytest.mark.parametrize("path", [
    "/courses/styrelsearbete/files/../gdpr-for-foreningar/course.yaml",
    "/courses/styrelsearbete/files/..%2fgdpr-for-foreningar%2f01-grunderna-i-dataskydd.md",
    "/courses/styrelsearbete/files/%2e%2e/%2e%2e/README.md",
    "/courses/styrelsearbete/files/04-arsmotet.gift",
    "/courses/styrelsearbete/files/course.yaml",
    "/courses/styrelsearbete/files//etc/passwd",
    "/courses/styrelsearbete/files/finns-inte.png",
])
def test_attachments_cannot_escape_the_course_folder_or_reveal_sources(client, courses, path):
    assert client.get(path, follow_redirects=True).status_code == 404


def test_an_unpublished_course_is_hidden_but_kept_for_those_who_started(app, client, learner_client, courses):
    learner_client.post("/courses/gdpr-for-foreningar/modules/03-medlemsregister-och-informationsplikt/done")
    courses["gdpr-for-foreningar"].published = False
    db.session.commit()
    assert "GDPR för föreningar" not in client.get("/courses").text
    assert client.get("/courses/gdpr-for-foreningar").status_code == 404
    assert learner_client.get("/courses/gdpr-for-foreningar").status_code == 200
    stranger = make_user(locale="en")
    db.session.commit()
    other = app.test_client()
    other.post("/login", data={"email": stranger.email, "password": "correct horse battery"})
    assert other.get("/courses/gdpr-for-foreningar/modules/01-grunderna-i-dataskydd").status_code == 404


def test_coordinators_see_versions_and_history(coordinator_client, courses):
    listing = coordinator_client.get("/courses/manage", headers=EN).text
    assert courses["styrelsearbete"].content_version[:12] in listing
    history = coordinator_client.get("/courses/styrelsearbete/versions", headers=EN).text
    assert "Import history" in history and "created" in history
    assert "Hide from the catalogue" not in history, "only admins publish and unpublish"


def test_learners_cannot_see_content_administration(learner_client, courses):
    assert learner_client.get("/courses/manage").status_code == 403
    assert learner_client.get("/courses/styrelsearbete/versions").status_code == 403


def test_only_admins_unpublish(coordinator_client, admin_client, courses):
    assert coordinator_client.post("/courses/styrelsearbete/publication", data={"published": "0"}).status_code == 403
    response = admin_client.post("/courses/styrelsearbete/publication", data={"published": "0"})
    assert response.status_code == 302
    db.session.expire_all()
    assert courses["styrelsearbete"].published is False
    admin_client.post("/courses/styrelsearbete/publication", data={"published": "1"})
    db.session.expire_all()
    assert courses["styrelsearbete"].published is True


def test_marking_done_needs_a_csrf_token(app, learner_client, courses):
    app.config["WTF_CSRF_ENABLED"] = True
    response = learner_client.post("/courses/styrelsearbete/modules/02-styrelsens-roller/done")
    assert response.status_code == 400
    assert db.session.execute(select(ModuleProgress)).first() is None


def test_the_catalogue_lists_without_a_query_per_course(app, client, courses):
    from sqlalchemy import event

    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        client.get("/courses")
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(statements) <= 9, statements  # the page, its count, the facets and the cycles


def test_the_catalogue_and_course_page_link_the_upcoming_cycles(client, courses):
    from datetime import date, timedelta

    from tests.factories import make_cycle

    cycle = make_cycle(courses["styrelsearbete"], title="Våren 2031", first_date=date.today() + timedelta(days=30))
    db.session.commit()
    for path in ("/courses", "/courses/styrelsearbete"):
        html = client.get(path, headers=EN).text
        assert f'href="/cycles/{cycle.id}"><bdi>Våren 2031</bdi></a>' in html, path
        assert "10 free seats" in html


def test_the_catalogue_pages_its_courses_and_keeps_the_filters(client, app):
    from lms.catalog.service import CATALOGUE_PAGE_SIZE
    from tests.factories import make_course

    for n in range(CATALOGUE_PAGE_SIZE + 2):
        make_course(title=f"Ledarskap {n:02d}", areas=("Ledarskap",))
    make_course(title="Bokföring", areas=("Ekonomi",))
    db.session.commit()
    first = client.get("/courses?area=Ledarskap", headers=EN).get_data(as_text=True)
    second = client.get("/courses?area=Ledarskap&page=2", headers=EN).get_data(as_text=True)
    assert f"{CATALOGUE_PAGE_SIZE + 2} courses" in first and "Bokföring" not in first
    assert "Ledarskap 00" in first and f"Ledarskap {CATALOGUE_PAGE_SIZE:02d}" not in first
    assert f"Ledarskap {CATALOGUE_PAGE_SIZE:02d}" in second and "Ledarskap 00" not in second
    assert 'href="/courses?page=2&amp;area=Ledarskap"' in first
    assert "No course matches" in client.get("/courses?page=50", headers=EN).get_data(as_text=True)


@pytest.mark.parametrize("wildcard", ["%", "_", "\\", "/"])
def test_like_wildcards_in_the_search_are_taken_literally(client, courses, wildcard):
    html = client.get("/courses", query_string={"q": wildcard}).text
    for course in courses.values():
        assert course.title not in html


def test_my_learning_shows_cycles_one_holds_a_place_in_before_any_module_is_done(app, learner_client):
    from lms.enrolment.models import EnrolmentStatus
    from lms.db_types import utcnow
    from lms.enrolment.service import enrol
    from tests.factories import make_cycle

    open_cycle = make_cycle(make_course("mote-kurs", title="Mötesteknik"), title="Hösten", capacity=1)
    full_cycle = make_cycle(make_course("ekonomi-kurs", title="Föreningsekonomi"), title="Våren", capacity=1)
    other = make_user(name="Tar platsen")
    enrol(other.id, full_cycle, check_window=False, now=utcnow())
    assert enrol(learner_client.user.id, open_cycle, check_window=False, now=utcnow()).status is EnrolmentStatus.ENROLLED
    assert enrol(learner_client.user.id, full_cycle, check_window=False, now=utcnow()).status is EnrolmentStatus.WAITLISTED
    db.session.commit()
    page = learner_client.get("/my/learning", headers=EN).text
    assert "Mötesteknik" in page and "Hösten" in page and "enrolled" in page
    assert "Föreningsekonomi" in page and "Våren" in page and "on the wait-list" in page
    assert "not started a course" not in page
