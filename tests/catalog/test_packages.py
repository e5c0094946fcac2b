"""A course as a zip: uploaded in the browser (checked, all or nothing), downloaded for review (lms/catalog/packages.py)."""
import io
import shutil
import stat
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from lms.catalog import packages
from lms.catalog.content import load_content
from lms.catalog.models import Course
from lms.extensions import db
from tests.catalog.conftest import SHIPPED, line_of, replace_in, versions_of


def zip_of(files: dict[str, bytes | str], *, top: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(f"{top}/{name}" if top else name, data)
    return buffer.getvalue()


def folder_files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def stage(data: bytes, content_dir: Path) -> packages.StagedCourse:
    return packages.stage_package(io.BytesIO(data), content_dir)


# --- reading a package --------------------------------------------------------------------------------

@pytest.mark.parametrize("top", [None, "leda-volontarer", "nagon-annan-mapp"])
def test_a_course_folder_zipped_with_or_without_its_top_folder_is_checked_like_the_files(content, top):
    staged = stage(zip_of(folder_files(SHIPPED / "leda-volontarer"), top=top), content)
    assert staged.ok, staged.errors
    assert (staged.slug, staged.course.title) == ("leda-volontarer", "Att rekrytera och leda volontärer")
    assert staged.course.version == load_content(SHIPPED).courses[
        [c.slug for c in load_content(SHIPPED).courses].index("leda-volontarer")].version
    assert not (content / "leda-volontarer").exists()  # nothing is in place before the import commits


def test_what_zip_tools_add_is_left_out(content):
    files = {**folder_files(SHIPPED / "leda-volontarer"), "__MACOSX/._course.yaml": b"x", ".DS_Store": b"x"}
    staged = stage(zip_of(files), content)
    assert staged.ok, staged.errors


def test_an_error_in_the_package_is_shown_at_its_file_and_line(content, tmp_path):
    course = tmp_path / "leda-volontarer"
    shutil.copytree(SHIPPED / "leda-volontarer", course)
    quiz = next(course.glob("*.gift"))
    replace_in(quiz, "}", "")
    staged = stage(zip_of(folder_files(course)), content)
    assert not staged.ok
    assert staged.errors and all(e.path.startswith("courses_content/leda-volontarer/") for e in staged.errors)
    assert any(e.path.endswith(quiz.name) and e.line > 0 for e in staged.errors)
    packages.discard(staged)
    assert list((content / packages.UPLOADS).iterdir()) == []


def test_errors_of_other_courses_on_the_server_do_not_block_an_upload(content):
    replace_in(content / "gdpr-for-foreningar" / "course.yaml", "title:", "titel:")
    staged = stage(zip_of(folder_files(SHIPPED / "leda-volontarer")), content)
    assert staged.ok, staged.errors


def _symlink_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("course.yaml", "slug: x\n")
        link = zipfile.ZipInfo("passwd.md")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    return buffer.getvalue()


def _encrypted_zip() -> bytes:
    data = bytearray(zip_of({"course.yaml": "slug: x\n"}))
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        data[at + offset] |= 0x1
    return bytes(data)


@pytest.mark.parametrize(("package", "says"), [
    (b"not a zip at all", "not a zip file"),
    (zip_of({}), "empty"),
    (zip_of({"modules/01.md": "# Hej"}), "no course.yaml"),
    (zip_of({"course.yaml": "slug: x\n", "../../etc/cron.d/evil": "* * * * * root rm -rf /"}), "outside its folder"),
    (zip_of({"course.yaml": "slug: x\n", "/etc/evil": "x"}), "outside its folder"),
    (zip_of({"course.yaml": "slug: x\n", "a\\..\\..\\evil": "x"}), "outside its folder"),
    (_symlink_zip(), "a link"),
    (_encrypted_zip(), "password"),
    (zip_of({"course.yaml": "slug: x\n", "bomb.txt": b"\0" * (3 * 1024 * 1024)}), "far more than it weighs"),
    (zip_of({"course.yaml": "slug: Inte En Slug\n"}), "slug"),
])
def test_a_hostile_or_broken_package_is_refused_and_leaves_nothing_behind(content, package, says):
    before = sorted(p.name for p in content.iterdir())
    with pytest.raises(packages.PackageRefused) as refusal:
        stage(package, content)
    assert says in str(refusal.value)
    assert sorted(p.name for p in content.iterdir()) == sorted([*before, packages.UPLOADS])
    assert list((content / packages.UPLOADS).iterdir()) == []
    assert not Path("/etc/evil").exists()


def test_too_many_files_or_too_large_ones_are_refused(content, monkeypatch):
    monkeypatch.setattr(packages, "MAX_FILES", 3)
    with pytest.raises(packages.PackageRefused, match="more than 3 files"):
        stage(zip_of({"course.yaml": "slug: x\n", **{f"{n}.txt": "x" for n in range(3)}}), content)
    monkeypatch.setattr(packages, "MAX_FILE_BYTES", 1000)
    with pytest.raises(packages.PackageRefused, match="larger than"):
        stage(zip_of({"course.yaml": "slug: x\n", "big.txt": bytes(range(256)) * 8}), content)
    monkeypatch.setattr(packages, "MAX_UNPACKED_BYTES", 2000)
    monkeypatch.setattr(packages, "MAX_FILE_BYTES", 10_000)
    with pytest.raises(packages.PackageRefused, match="unpacks to more than"):
        stage(zip_of({"course.yaml": "slug: x\n", "a.txt": "y" * 1500, "b.txt": "z" * 1500}), content)


def test_an_upload_left_behind_an_hour_ago_is_cleared(content):
    old = content / packages.UPLOADS / "left-behind"
    old.mkdir(parents=True)
    import os
    os.utime(old, (0, 0))
    packages.discard(stage(zip_of(folder_files(SHIPPED / "leda-volontarer")), content))
    assert not old.exists()


def test_a_course_downloads_as_its_folder(content):
    package = packages.course_package(content, "styrelsearbete")
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        names = sorted(archive.namelist())
        assert names == sorted(f"styrelsearbete/{n}" for n in folder_files(content / "styrelsearbete"))
        assert archive.read("styrelsearbete/course.yaml") == (content / "styrelsearbete" / "course.yaml").read_bytes()
    assert packages.course_package(content, "finns-inte") is None


# --- through the browser -------------------------------------------------------------------------------

def upload(client, data: bytes, **fields):
    return client.post("/courses/manage/upload", data={"package": (io.BytesIO(data), "kurs.zip"), **fields},
                       content_type="multipart/form-data")


def test_a_coordinator_creates_a_course_from_a_package(app, served, coordinator_client):
    response = upload(coordinator_client, zip_of(folder_files(SHIPPED / "leda-volontarer"), top="leda-volontarer"))
    assert response.status_code == 302 and response.location.endswith("/courses/leda-volontarer/versions")
    course = db.session.execute(select(Course).where(Course.slug == "leda-volontarer")).scalar_one()
    assert course.title == "Att rekrytera och leda volontärer" and len(course.modules) > 0
    assert folder_files(served / "leda-volontarer") == folder_files(SHIPPED / "leda-volontarer")
    assert load_content(served).ok  # `lms content check` accepts the folder as it now is
    assert list((served / packages.UPLOADS).iterdir()) == []
    assert "Att rekrytera och leda volontärer" in coordinator_client.get("/courses/manage").text


def test_the_download_uploaded_unchanged_makes_no_new_version(app, served, coordinator_client):
    before = versions_of("styrelsearbete")
    package = coordinator_client.get("/courses/styrelsearbete/package.zip")
    assert package.status_code == 200 and package.mimetype == "application/zip"
    assert 'filename=styrelsearbete.zip' in package.headers["Content-Disposition"]
    page = upload(coordinator_client, package.data)
    assert page.status_code == 302
    assert "nothing changed" in coordinator_client.get(page.location).text
    assert versions_of("styrelsearbete") == before


def test_a_changed_module_becomes_a_new_version_and_progress_on_it_stays(app, served, coordinator_client,
                                                                         learner_client):
    from lms.catalog.service import mark_module_done

    course = db.session.execute(select(Course).where(Course.slug == "styrelsearbete")).scalar_one()
    mark_module_done(learner_client.user.id, course.modules[1])
    db.session.commit()
    changed = folder_files(served / "styrelsearbete")
    changed["02-styrelsens-roller.md"] += "\nEn ny mening om ordföranden.\n".encode()
    before = versions_of("styrelsearbete")
    assert upload(coordinator_client, zip_of(changed)).status_code == 302
    assert versions_of("styrelsearbete") == before + 1
    assert b"En ny mening" in (served / "styrelsearbete" / "02-styrelsens-roller.md").read_bytes()
    assert "En ny mening" in coordinator_client.get("/courses/styrelsearbete/modules/"
                                                    + course.modules[1].slug).text
    from lms.catalog.service import done_module_ids
    assert course.modules[1].id in done_module_ids(learner_client.user.id)


def test_a_package_with_an_error_imports_nothing_and_shows_the_line(app, served, coordinator_client, tmp_path):
    course = tmp_path / "leda-volontarer"
    shutil.copytree(SHIPPED / "leda-volontarer", course)
    replace_in(course / "course.yaml", "estimated_hours:", "estimated_hours: mycket\nx_hours:")
    page = upload(coordinator_client, zip_of(folder_files(course)))
    assert page.status_code == 400
    assert "The package was not imported" in page.text
    assert f"courses_content/leda-volontarer/course.yaml:{line_of(course / 'course.yaml', 'estimated_hours')}" in page.text
    assert db.session.execute(select(Course).where(Course.slug == "leda-volontarer")).first() is None
    assert not (served / "leda-volontarer").exists()


def test_a_refused_package_says_why_on_the_page(app, served, coordinator_client):
    page = upload(coordinator_client, zip_of({"course.yaml": "slug: x\n", "../<b>evil</b>.md": "x"}))
    assert page.status_code == 400 and "outside its folder (../&lt;b&gt;evil&lt;/b&gt;.md)" in page.text
    page = coordinator_client.post("/courses/manage/upload", data={}, content_type="multipart/form-data")
    assert page.status_code == 400 and "Choose the course's .zip file." in page.text


def test_files_changed_on_the_server_since_the_import_are_not_replaced_unless_asked(app, served, coordinator_client):
    package = coordinator_client.get("/courses/styrelsearbete/package.zip").data
    replace_in(served / "styrelsearbete" / "03-stadgar.md", "\n", "\nÄndrat direkt på servern.\n")
    assert "changed since the import" in coordinator_client.get("/courses/manage").text
    before = versions_of("styrelsearbete")
    page = upload(coordinator_client, package)
    assert page.status_code == 409 and "were changed since they were last imported" in page.text
    assert "Ändrat direkt på servern." in (served / "styrelsearbete" / "03-stadgar.md").read_text("utf-8")
    assert upload(coordinator_client, package, replace_changed="y").status_code == 302
    assert "Ändrat direkt på servern." not in (served / "styrelsearbete" / "03-stadgar.md").read_text("utf-8")
    assert versions_of("styrelsearbete") == before  # the database already had exactly this version


def test_a_folder_on_the_server_never_imported_is_not_replaced_unless_asked(app, served, coordinator_client):
    shutil.copytree(SHIPPED / "leda-volontarer", served / "leda-volontarer")
    page = upload(coordinator_client, zip_of(folder_files(SHIPPED / "leda-volontarer")))
    assert page.status_code == 409


def test_only_coordinators_upload_and_download(app, served, learner_client, trainer_client):
    package = zip_of(folder_files(SHIPPED / "leda-volontarer"))
    for client in (learner_client, trainer_client):
        assert client.get("/courses/styrelsearbete/package.zip").status_code == 403
        assert upload(client, package).status_code == 403
    anonymous = app.test_client()
    assert anonymous.get("/courses/styrelsearbete/package.zip").status_code == 302
    assert upload(anonymous, package).status_code == 302
    assert db.session.execute(select(Course).where(Course.slug == "leda-volontarer")).first() is None
    assert not (served / "leda-volontarer").exists()
