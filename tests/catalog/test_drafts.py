"""Editing a course in the browser: a draft of its files, checked, previewed and published (lms/catalog/drafts.py)."""
import re

import pytest
from sqlalchemy import select

from lms.catalog import drafts
from lms.catalog.content import load_content
from lms.catalog.models import ContentVersion, Course
from lms.catalog.service import done_module_ids, mark_module_done
from lms.extensions import db
from tests.catalog.conftest import replace_in, versions_of

MODULE = "02-styrelsens-roller"
EDIT = f"/courses/styrelsearbete/edit/modules/{MODULE}"


def _course() -> Course:
    return db.session.execute(select(Course).where(Course.slug == "styrelsearbete")).scalar_one()


def _module_form(client, **changes):
    page = client.get(EDIT).text
    body = re.search(r'<textarea[^>]*name="body"[^>]*>\n?(.*?)</textarea>', page, re.S).group(1)
    data = {"title": "Styrelsens roller", "minutes": "30", "required": "y",
            "body": body.replace("&#39;", "'").replace("&#34;", '"').replace("&gt;", ">").replace("&lt;", "<")
            .replace("&amp;", "&"), "quiz": ""}
    data.update(changes)
    return data


# --- the files a draft writes ------------------------------------------------------------------------

def test_a_saved_module_keeps_the_format_and_its_other_fields(content):
    folder = drafts.start_draft(content, "styrelsearbete")
    text = drafts.read_module(folder, "04-arsmotet")
    assert text.quiz.startswith("//") or "{" in text.quiz
    drafts.save_module(folder, drafts.ModuleText(slug="04-arsmotet", title="Årsmötet: en ny titel", minutes=40,
                                                 required=False, body="## Ny text\n\nMed **fetstil**.", quiz=text.quiz))
    again = drafts.read_module(folder, "04-arsmotet")
    assert (again.title, again.minutes, again.required, again.body) == ("Årsmötet: en ny titel", 40, False,
                                                                        "## Ny text\n\nMed **fetstil**.\n")
    assert again.quiz == text.quiz
    assert load_content(content.parent / "courses_content").ok  # the published files are untouched
    assert (content / "styrelsearbete" / "04-arsmotet.md").read_text("utf-8") != (folder / "04-arsmotet.md").read_text("utf-8")
    assert drafts.check_draft(content, "styrelsearbete")[1] == []


def test_an_emptied_quiz_removes_its_file_and_a_new_one_is_named_after_the_module(content):
    folder = drafts.start_draft(content, "styrelsearbete")
    text = drafts.read_module(folder, "04-arsmotet")
    drafts.save_module(folder, drafts.ModuleText(**{**text.__dict__, "quiz": ""}))
    assert not (folder / "04-arsmotet.gift").exists() and drafts.read_module(folder, "04-arsmotet").quiz == ""
    drafts.save_module(folder, drafts.ModuleText(**{**drafts.read_module(folder, MODULE).__dict__,
                                                    "quiz": "::Q::Vem leder mötet?{=Ordföranden ~Kassören}"}))
    assert (folder / f"{MODULE}.gift").read_text("utf-8").startswith("::Q::")
    assert drafts.check_draft(content, "styrelsearbete")[1] == []


def test_a_new_module_is_numbered_after_the_last_and_listed_without_rewriting_course_yaml(content):
    folder = drafts.start_draft(content, "styrelsearbete")
    before = (folder / "course.yaml").read_text("utf-8")
    slug = drafts.add_module(folder, "Hållbar styrelse: vad är det?")
    assert slug == "07-hallbar-styrelse-vad-ar-det"
    after = (folder / "course.yaml").read_text("utf-8")
    assert after.replace(f"  - {slug}\n", "", 1) == before
    assert drafts.module_slugs(folder)[-1] == slug
    assert drafts.check_draft(content, "styrelsearbete")[1] == []
    with pytest.raises(drafts.DraftError):
        drafts.add_module(folder, "   ")


def test_an_error_is_reported_at_its_line_in_the_quiz(content):
    folder = drafts.start_draft(content, "styrelsearbete")
    text = drafts.read_module(folder, MODULE)
    drafts.save_module(folder, drafts.ModuleText(**{**text.__dict__, "quiz": "::A::Fråga ett{=Ja ~Nej}\n\n::B::Fråga två{=Ja ~Nej\n"}))
    errors = drafts.check_draft(content, "styrelsearbete")[1]
    assert [(e.path.rsplit("/", 1)[-1], e.line) for e in errors][:1] == [(f"{MODULE}.gift", 3)]


# --- through the browser -------------------------------------------------------------------------------

def test_a_coordinator_edits_previews_and_publishes_and_only_then_learners_see_it(
        app, served, coordinator_client, learner_client):
    course = _course()
    roles = next(m for m in course.modules if m.slug == MODULE)
    mark_module_done(learner_client.user.id, roles)
    db.session.commit()
    data = _module_form(coordinator_client)
    data["body"] += "\n| Roll | Ansvar |\n| --- | --- |\n| Ordförande | Leder mötet |\n\n<script>alert(1)</script>\n"
    page = coordinator_client.post(EDIT, data=data).text
    assert "The draft is saved. Learners see it once you publish the course." in page
    preview = page.split('id="preview-heading"', 1)[1]
    assert "<td>Leder mötet</td>" in preview and "<script>alert(1)" not in preview
    reader = f"/courses/styrelsearbete/modules/{MODULE}"
    assert "Leder mötet" not in learner_client.get(reader).text  # a draft is not published
    assert "You are editing a draft" in coordinator_client.get("/courses/styrelsearbete/edit").text

    versions = versions_of("styrelsearbete")
    response = coordinator_client.post("/courses/styrelsearbete/edit/publish", data={})
    assert response.status_code == 302 and response.location.endswith("/courses/styrelsearbete/versions")
    assert versions_of("styrelsearbete") == versions + 1
    assert "Leder mötet" in learner_client.get(reader).text
    assert roles.id in done_module_ids(learner_client.user.id)  # progress is kept across versions
    assert "Leder mötet" in (served / "styrelsearbete" / f"{MODULE}.md").read_text("utf-8")
    assert not drafts.has_draft(served, "styrelsearbete")
    assert load_content(served).ok


def test_a_quiz_error_is_shown_with_its_line_and_blocks_publishing(app, served, coordinator_client):
    page = coordinator_client.post(EDIT, data=_module_form(coordinator_client, quiz="::A::Fråga{=Ja ~Nej}\n\n::B::Fråga{=Ja\n")).text
    assert "with errors to fix" in page
    assert 'href="#quiz" data-goto-line="3">Quiz, line 3</a>' in page
    editor = coordinator_client.get("/courses/styrelsearbete/edit").text
    assert "The draft has 1 error to fix before it can be published" in editor
    assert f'href="{EDIT}">Fix it in “<bdi>Styrelsens roller</bdi>”</a>' in editor
    assert re.search(r'<button type="submit" class="button" disabled aria-describedby="draft-errors">', editor)
    versions = versions_of("styrelsearbete")
    coordinator_client.post("/courses/styrelsearbete/edit/publish", data={})
    assert versions_of("styrelsearbete") == versions
    assert f"{MODULE}.gift" not in {p.name for p in (served / "styrelsearbete").iterdir()}


def test_an_error_in_the_text_points_at_the_line_of_the_field(app, served, coordinator_client):
    data = _module_form(coordinator_client, body="## Roller\n\nSe [bilagan](finns-inte.pdf).\n")
    page = coordinator_client.post(EDIT, data=data).text
    assert 'href="#body" data-goto-line="3">Text, line 3</a>' in page


def test_a_draft_is_not_published_over_files_changed_since_it_began(app, served, coordinator_client):
    coordinator_client.post(EDIT, data=_module_form(coordinator_client, title="Roller i styrelsen"))
    replace_in(served / "styrelsearbete" / "03-stadgar.md", "\n", "\nÄndrat på servern.\n")
    assert "files changed since this draft was started" in coordinator_client.get("/courses/styrelsearbete/edit").text
    versions = versions_of("styrelsearbete")
    coordinator_client.post("/courses/styrelsearbete/edit/publish", data={})
    assert versions_of("styrelsearbete") == versions
    assert "Ändrat på servern." in (served / "styrelsearbete" / "03-stadgar.md").read_text("utf-8")
    coordinator_client.post("/courses/styrelsearbete/edit/publish", data={"replace_changed": "y"})
    assert versions_of("styrelsearbete") == versions + 1
    assert next(m for m in _course().modules if m.slug == MODULE).title == "Roller i styrelsen"


def test_a_module_added_in_the_browser_is_published_with_the_course(app, served, coordinator_client):
    response = coordinator_client.post("/courses/styrelsearbete/edit/modules", data={"module_title": "Digitala möten"})
    assert response.location.endswith("/courses/styrelsearbete/edit/modules/07-digitala-moten")
    coordinator_client.post(response.location, data={"title": "Digitala möten", "minutes": "20", "required": "y",
                                                      "body": "## Digitala möten\n\nMed kamera på.", "quiz": ""})
    coordinator_client.post("/courses/styrelsearbete/edit/publish", data={})
    assert [m.slug for m in _course().modules][-1] == "07-digitala-moten"


def test_throwing_the_draft_away_leaves_the_course_as_it_was(app, served, coordinator_client):
    before = (served / "styrelsearbete" / f"{MODULE}.md").read_text("utf-8")
    coordinator_client.post(EDIT, data=_module_form(coordinator_client, title="Något annat"))
    coordinator_client.post("/courses/styrelsearbete/edit/discard", data={})
    assert not drafts.has_draft(served, "styrelsearbete")
    assert (served / "styrelsearbete" / f"{MODULE}.md").read_text("utf-8") == before
    assert "Styrelsens roller" in coordinator_client.get(EDIT).text


def test_only_coordinators_edit(app, served, learner_client, trainer_client):
    for client in (learner_client, trainer_client):
        assert client.get("/courses/styrelsearbete/edit").status_code == 403
        assert client.get(EDIT).status_code == 403
        assert client.post(EDIT, data={"title": "Hackat", "minutes": "1", "body": "x"}).status_code == 403
        assert client.post("/courses/styrelsearbete/edit/publish", data={}).status_code == 403
    assert app.test_client().get("/courses/styrelsearbete/edit").status_code == 302
    assert not drafts.has_draft(served, "styrelsearbete")


def test_unknown_courses_and_modules_are_not_found(app, served, coordinator_client):
    assert coordinator_client.get("/courses/finns-inte/edit").status_code == 404
    assert coordinator_client.get("/courses/styrelsearbete/edit/modules/99-finns-inte").status_code == 404
    assert coordinator_client.get("/courses/styrelsearbete/edit/modules/..%2F..%2Fetc").status_code == 404


NEW_COURSE = {"slug": "cirkulara-vanor", "title": "Cirkulära vanor", "summary": "Låna, laga och dela.",
              "description": "Om att låna.\n\nOch att **laga**.", "language": "sv",
              "competence_areas": ["Hållbar utveckling"], "sdgs": ["12", "13"], "estimated_hours": "2.5",
              "certificate_design": "standard", "learning_outcomes": "Efter kursen kan du ordna en bytesdag.\n\n"}


def test_a_course_written_in_the_browser_with_three_modules_and_a_quiz_is_published(
        app, served, coordinator_client, learner_client):
    response = coordinator_client.post("/courses/manage/new", data=NEW_COURSE)
    assert response.location.endswith("/courses/cirkulara-vanor/edit")
    assert learner_client.get("/courses/cirkulara-vanor").status_code == 404  # a draft only
    for title in ("Låna", "Laga"):
        coordinator_client.post("/courses/cirkulara-vanor/edit/modules", data={"module_title": title})
    coordinator_client.post("/courses/cirkulara-vanor/edit/modules/03-laga", data={
        "title": "Laga", "minutes": "20", "required": "y", "body": "## Laga\n\nEn lagakväll i månaden.",
        "quiz": "::L::Hur ofta?{=En gång i månaden ~Aldrig}"})
    editor = coordinator_client.get("/courses/cirkulara-vanor/edit").text
    assert ["Introduktion", "Låna", "Laga"] == re.findall(r'/edit/modules/[^"]+"><bdi>([^<]+)</bdi></a>', editor)
    coordinator_client.post("/courses/cirkulara-vanor/edit/publish", data={})
    course = db.session.execute(select(Course).where(Course.slug == "cirkulara-vanor")).scalar_one()
    assert [m.slug for m in course.modules] == ["01-introduktion", "02-lana", "03-laga"]
    assert course.modules[2].quiz_file == "03-laga.gift" and course.estimated_hours == 2.5
    assert "Cirkulära vanor" in learner_client.get("/courses/cirkulara-vanor").text
    assert load_content(served).ok  # `lms content check` accepts what the browser wrote
    assert (served / "cirkulara-vanor" / "course.yaml").read_text("utf-8").startswith("slug: cirkulara-vanor\n")


def test_a_new_course_needs_a_free_well_formed_address_name(app, served, coordinator_client):
    for slug, says in (("styrelsearbete", "exists already"), ("Stora Bokstäver", "lowercase letters"),
                       ("manage", "lowercase letters")):
        page = coordinator_client.post("/courses/manage/new", data={**NEW_COURSE, "slug": slug},
                                       follow_redirects=True).text
        assert says in page
    assert not (served / drafts.DRAFTS / "manage").exists()


def test_the_courses_details_are_edited_in_the_draft_and_published(app, served, coordinator_client):
    page = coordinator_client.get("/courses/styrelsearbete/edit/course").text
    assert 'value="Styrelsearbete i ideella föreningar"' in page
    data = {**NEW_COURSE, "title": "Styrelsearbete för nya ledamöter"}
    data.pop("slug")
    assert coordinator_client.post("/courses/styrelsearbete/edit/course", data=data).status_code == 302
    assert _course().title == "Styrelsearbete i ideella föreningar"  # still a draft
    coordinator_client.post("/courses/styrelsearbete/edit/publish", data={})
    db.session.expire_all()
    assert _course().title == "Styrelsearbete för nya ledamöter"
    assert [m.slug for m in _course().modules][:1] == ["01-den-ideella-foreningen"]  # modules kept


def test_a_new_course_thrown_away_leaves_nothing(app, served, coordinator_client):
    coordinator_client.post("/courses/manage/new", data=NEW_COURSE)
    response = coordinator_client.post("/courses/cirkulara-vanor/edit/discard", data={})
    assert response.location.endswith("/courses/manage")
    assert coordinator_client.get("/courses/cirkulara-vanor/edit").status_code == 404


# --- the order of the modules, pictures and files ------------------------------------------------------

def test_moving_a_module_changes_only_the_order_in_course_yaml(content):
    folder = drafts.start_draft(content, "styrelsearbete")
    before = drafts.module_slugs(folder)
    drafts.move_module(folder, before[2], -1)
    after = drafts.module_slugs(folder)
    assert after == [before[0], before[2], before[1], *before[3:]]
    drafts.move_module(folder, after[0], -1)  # the first stays first
    drafts.move_module(folder, after[-1], 1)  # the last stays last
    assert drafts.module_slugs(folder) == after
    assert drafts.check_draft(content, "styrelsearbete")[1] == []
    with pytest.raises(drafts.DraftError):
        drafts.move_module(folder, "99-finns-inte", 1)


def test_a_coordinator_reorders_modules_and_learners_get_the_new_order_on_publishing(app, served, coordinator_client):
    first = [m.slug for m in _course().modules]
    response = coordinator_client.post(f"/courses/styrelsearbete/edit/modules/{first[1]}/move", data={"direction": "up"})
    assert response.status_code == 302
    assert [m.slug for m in _course().modules] == first  # a draft until published
    coordinator_client.post("/courses/styrelsearbete/edit/publish", data={})
    db.session.expire_all()
    assert [m.slug for m in _course().modules] == [first[1], first[0], *first[2:]]
    assert coordinator_client.post(f"/courses/styrelsearbete/edit/modules/{first[1]}/move",
                                   data={"direction": "sideways"}).status_code == 400


def test_a_picture_added_in_the_browser_shows_in_the_preview_and_after_publishing(
        app, served, coordinator_client, learner_client):
    import io
    png = b"\\x89PNG\\r\\n\\x1a\\n" + b"\\0" * 64
    response = coordinator_client.post("/courses/styrelsearbete/edit/files", content_type="multipart/form-data",
                                       data={"attachment": (io.BytesIO(png), "Möte på Möllan.PNG")})
    assert response.status_code == 302
    name = "mote_pa_mollan.png"
    assert name in coordinator_client.get("/courses/styrelsearbete/edit").text
    assert coordinator_client.get(f"/courses/styrelsearbete/edit/files/{name}").data == png
    assert learner_client.get(f"/courses/styrelsearbete/files/{name}").status_code == 404  # not published yet
    page = coordinator_client.post(EDIT, data=_module_form(coordinator_client, body=f"![Mötet]({name})\\n")).text
    assert f'src="/courses/styrelsearbete/edit/files/{name}"' in page.split('id="preview-heading"', 1)[1]
    coordinator_client.post("/courses/styrelsearbete/edit/publish", data={})
    assert learner_client.get(f"/courses/styrelsearbete/files/{name}").data == png
    assert f'src="/courses/styrelsearbete/files/{name}"' in learner_client.get(f"/courses/styrelsearbete/modules/{MODULE}").text


def test_only_known_kinds_of_files_are_added_and_a_script_in_an_svg_is_an_error(app, served, coordinator_client):
    import io
    for name in ("skript.html", "program.exe", "../../utanfor.png", "modul.md"):
        coordinator_client.post("/courses/styrelsearbete/edit/files", content_type="multipart/form-data",
                                data={"attachment": (io.BytesIO(b"x"), name)})
    folder = drafts.draft_folder(served, "styrelsearbete")
    assert not folder.exists() or not {"skript.html", "program.exe", "modul.md"} & {p.name for p in folder.iterdir()}
    assert not (served.parent / "utanfor.png").exists() and not (served / "utanfor.png").exists()
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    page = coordinator_client.post("/courses/styrelsearbete/edit/files", content_type="multipart/form-data",
                                   data={"attachment": (io.BytesIO(svg), "bild.svg")}, follow_redirects=True).text
    assert "The SVG picture holds a script" in page and "<code><bdi>bild.svg</bdi></code>" not in page
    plain = b'<svg xmlns="http://www.w3.org/2000/svg"><circle r="4"/></svg>'
    coordinator_client.post("/courses/styrelsearbete/edit/files", content_type="multipart/form-data",
                            data={"attachment": (io.BytesIO(plain), "bild.svg")})
    assert "<code><bdi>bild.svg</bdi></code>" in coordinator_client.get("/courses/styrelsearbete/edit").text
    served_svg = coordinator_client.get("/courses/styrelsearbete/edit/files/bild.svg")
    assert "sandbox" in served_svg.headers["Content-Security-Policy"]
    coordinator_client.post("/courses/styrelsearbete/edit/files/bild.svg/remove", data={})
    assert "<code><bdi>bild.svg</bdi></code>" not in coordinator_client.get("/courses/styrelsearbete/edit").text


def test_only_coordinators_add_files_or_see_the_drafts(app, served, learner_client, trainer_client):
    import io
    for client in (learner_client, trainer_client):
        assert client.post("/courses/styrelsearbete/edit/files", content_type="multipart/form-data",
                           data={"attachment": (io.BytesIO(b"x"), "a.png")}).status_code == 403
        assert client.get("/courses/styrelsearbete/edit/files/arsmote-dagordning.svg").status_code == 403
        assert client.post(f"/courses/styrelsearbete/edit/modules/{MODULE}/move", data={"direction": "up"}).status_code == 403
    assert not drafts.has_draft(served, "styrelsearbete")


# --- trainers whom the coordinators let ---------------------------------------------------------------

def test_a_trainer_edits_a_course_of_their_cycles_only_when_the_coordinators_let_them(
        app, served, coordinator_client, trainer_client):
    from tests.factories import make_cycle, make_user
    from tests.conftest import log_in

    make_cycle(_course(), trainers=[trainer_client.user])
    stranger = make_user(roles=["trainer"])
    db.session.commit()
    other = app.test_client()
    assert log_in(other, stranger.email).status_code == 302
    assert trainer_client.get("/courses/styrelsearbete/edit").status_code == 403
    assert "Edit in the browser" not in trainer_client.get("/courses/styrelsearbete").text

    assert coordinator_client.post("/courses/styrelsearbete/authors", data={"trainers_may_edit": "y"}).status_code == 302
    assert _course().trainers_may_edit
    assert "Edit in the browser" in trainer_client.get("/courses/styrelsearbete").text
    assert trainer_client.get("/courses/styrelsearbete/edit").status_code == 200
    assert other.get("/courses/styrelsearbete/edit").status_code == 403  # not a trainer of the course
    data = _module_form(trainer_client, title="Roller, av utbildaren")
    assert "The draft is saved" in trainer_client.post(EDIT, data=data).text
    response = trainer_client.post("/courses/styrelsearbete/edit/publish", data={})
    assert response.location.endswith("/courses/styrelsearbete")
    db.session.expire_all()
    assert next(m for m in _course().modules if m.slug == MODULE).title == "Roller, av utbildaren"
    assert trainer_client.get("/courses/manage/new").status_code == 403  # new courses stay with coordinators
    first = db.session.execute(select(ContentVersion).order_by(ContentVersion.id)).scalars().first()
    assert trainer_client.post(f"/courses/styrelsearbete/versions/{first.id}/restore", data={}).status_code == 403

    coordinator_client.post("/courses/styrelsearbete/authors", data={})
    assert trainer_client.get("/courses/styrelsearbete/edit").status_code == 403
    assert trainer_client.post("/courses/styrelsearbete/authors", data={"trainers_may_edit": "y"}).status_code == 403


def test_the_live_preview_renders_as_the_reader_does_and_only_for_authors(app, served, coordinator_client,
                                                                         learner_client):
    text = "| Roll | Ansvar |\n| --- | --- |\n| Kassör | Ekonomin |\n\n<script>alert(1)</script>\n\n![Dagordning](arsmote-dagordning.svg)"
    answer = coordinator_client.post("/courses/styrelsearbete/edit/preview", data={"body": text})
    html = answer.get_json()["html"]
    assert "<td>Ekonomin</td>" in html and "<script" not in html
    assert 'src="/courses/styrelsearbete/edit/files/arsmote-dagordning.svg"' in html
    assert learner_client.post("/courses/styrelsearbete/edit/preview", data={"body": text}).status_code == 403
    assert not drafts.has_draft(served, "styrelsearbete")  # previewing writes nothing


def test_importing_files_over_a_newer_edit_from_the_browser_is_refused_unless_forced(
        app, served, coordinator_client, runner):
    original = (served / "styrelsearbete" / f"{MODULE}.md").read_text("utf-8")
    coordinator_client.post(EDIT, data=_module_form(coordinator_client, title="Roller, ändrade i webbläsaren"))
    coordinator_client.post("/courses/styrelsearbete/edit/publish", data={})
    (served / "styrelsearbete" / f"{MODULE}.md").write_text(original, "utf-8")  # e.g. an older checkout deployed
    refused = runner.invoke(args=["lms", "content", "import", str(served)])
    assert refused.exit_code == 1
    assert "styrelsearbete: changed in the browser by" in refused.output and "--force" in refused.output
    db.session.expire_all()
    assert next(m for m in _course().modules if m.slug == MODULE).title == "Roller, ändrade i webbläsaren"
    assert runner.invoke(args=["lms", "content", "import", str(served)]).exit_code == 1  # nothing was imported
    forced = runner.invoke(args=["lms", "content", "import", str(served), "--force"])
    assert forced.exit_code == 0, forced.output
    db.session.expire_all()
    assert next(m for m in _course().modules if m.slug == MODULE).title == "Styrelsens roller och arbetsfördelning"
    assert db.session.execute(select(ContentVersion).order_by(ContentVersion.id.desc())).scalars().first().origin == "files"
    assert runner.invoke(args=["lms", "content", "import", str(served)]).exit_code == 0  # the files are the truth again
