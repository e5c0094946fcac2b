"""Content versions keep their files: what changed from one to the next, and restoring one (lms/catalog/history.py)."""
import re

from sqlalchemy import select

from lms.catalog import history
from lms.catalog.models import ContentVersion, Course
from lms.extensions import db
from tests.catalog.conftest import replace_in, versions_of

MODULE = "02-styrelsens-roller"


def _versions() -> list[ContentVersion]:
    return list(db.session.execute(select(ContentVersion).join(Course).where(Course.slug == "styrelsearbete")
                                   .order_by(ContentVersion.id)).scalars())


def _publish_a_change(client, old: str, new: str) -> None:
    page = client.get(f"/courses/styrelsearbete/edit/modules/{MODULE}").text
    body = re.search(r'<textarea[^>]*name="body"[^>]*>\r?\n?(.*?)</textarea>', page, re.S).group(1)
    body = body.replace("&#34;", '"').replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    assert old in body
    client.post(f"/courses/styrelsearbete/edit/modules/{MODULE}", data={
        "title": "Styrelsens roller och arbetsfördelning", "minutes": "35", "required": "y",
        "body": body.replace(old, new, 1), "quiz": ""})
    assert client.post("/courses/styrelsearbete/edit/publish", data={}).status_code == 302


def test_changes_between_two_packages_file_by_file():
    def package(files):
        import io
        import zipfile
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for name, data in files.items():
                archive.writestr(f"kurs/{name}", data)
        return buffer.getvalue()

    older = package({"course.yaml": "a\nb\nc\n", "01.md": "ett\n", "bild.png": b"\x89PNG1"})
    newer = package({"course.yaml": "a\nB\nc\n", "02.md": "två\n", "bild.png": b"\x89PNG2"})
    found = {c.name: c for c in history.changes(older, newer)}
    assert {name: c.status for name, c in found.items()} == {
        "01.md": "removed", "02.md": "added", "bild.png": "changed", "course.yaml": "changed"}
    assert [line for line in found["course.yaml"].lines if line[0] in "+-"] == ["-b", "+B"]
    assert found["bild.png"].lines == ()
    assert history.changes(older, older) == []


def test_the_first_import_keeps_its_files(app, served):
    first = _versions()[0]
    assert first.package and first.summary == "created"
    assert [c.status for c in history.changes(None, first.package)] == ["added"] * len(
        [p for p in (served / "styrelsearbete").rglob("*") if p.is_file()])


def test_a_published_edit_shows_as_its_lines_and_an_older_version_is_restored(app, served, coordinator_client,
                                                                             learner_client):
    original = (served / "styrelsearbete" / f"{MODULE}.md").read_text("utf-8")
    _publish_a_change(coordinator_client, "Ordföranden", "Ordförande personen")
    first, latest = _versions()[0], _versions()[-1]
    page = coordinator_client.get(f"/courses/styrelsearbete/versions/{latest.id}").text
    assert f"<code><bdi>{MODULE}.md</bdi></code>" in page
    assert re.search(r'diff__line--removed">-[^<]*Ordföranden', page)
    assert re.search(r'diff__line--added">\+[^<]*Ordförande personen', page)
    assert "course.yaml" not in page  # only what changed

    versions = versions_of("styrelsearbete")
    response = coordinator_client.post(f"/courses/styrelsearbete/versions/{first.id}/restore", data={})
    assert response.status_code == 302
    assert versions_of("styrelsearbete") == versions + 1
    assert (served / "styrelsearbete" / f"{MODULE}.md").read_text("utf-8") == original
    assert "Ordförande personen" not in learner_client.get(f"/courses/styrelsearbete/modules/{MODULE}").text
    restored = _versions()[-1]
    assert restored.version == first.version and restored.imported_by_id == coordinator_client.user.id


def test_restoring_the_version_the_course_is_at_changes_nothing(app, served, coordinator_client):
    latest = _versions()[-1]
    versions = versions_of("styrelsearbete")
    response = coordinator_client.post(f"/courses/styrelsearbete/versions/{latest.id}/restore", data={},
                                       follow_redirects=True)
    assert "already as that version" in response.text
    assert versions_of("styrelsearbete") == versions


def test_a_restore_does_not_replace_files_changed_on_the_server_unless_asked(app, served, coordinator_client):
    _publish_a_change(coordinator_client, "Ordföranden", "Ordförande personen")
    first = _versions()[0]
    replace_in(served / "styrelsearbete" / "03-stadgar.md", "\n", "\nÄndrat på servern.\n")
    response = coordinator_client.post(f"/courses/styrelsearbete/versions/{first.id}/restore", data={},
                                       follow_redirects=True)
    assert "were changed since they were last imported" in response.text
    assert "Ändrat på servern." in (served / "styrelsearbete" / "03-stadgar.md").read_text("utf-8")
    coordinator_client.post(f"/courses/styrelsearbete/versions/{first.id}/restore", data={"replace_changed": "y"})
    assert "Ändrat på servern." not in (served / "styrelsearbete" / "03-stadgar.md").read_text("utf-8")


def test_versions_of_another_course_or_unknown_ones_are_not_found(app, served, coordinator_client, learner_client):
    other = db.session.execute(select(ContentVersion).join(Course).where(Course.slug == "gdpr-for-foreningar")).scalars().first()
    assert coordinator_client.get(f"/courses/styrelsearbete/versions/{other.id}").status_code == 404
    assert coordinator_client.post(f"/courses/styrelsearbete/versions/{other.id}/restore", data={}).status_code == 404
    assert coordinator_client.get("/courses/styrelsearbete/versions/999999").status_code == 404
    first = _versions()[0]
    assert learner_client.get(f"/courses/styrelsearbete/versions/{first.id}").status_code == 403
    assert learner_client.post(f"/courses/styrelsearbete/versions/{first.id}/restore", data={}).status_code == 403
