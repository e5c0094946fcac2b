"""The public catalogue, the module reader, progress, and content history for coordinators."""
from __future__ import annotations

import io
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.auth.models import Role
from lms.auth.permissions import has_any_role, role_required
from lms.catalog import packages, service
from lms.catalog.content import COMPETENCE_AREAS, attachment_type
from lms.catalog.forms import PackageForm, ProgressForm, PublicationForm
from lms.catalog.models import Course
from lms.core.page_cache import cached_page
from lms.extensions import limiter
from lms.core.input import query_int
from lms.planning.queries import trains_course

bp = Blueprint("catalog", __name__)


def _is_staff() -> bool:
    return has_any_role(current_user, Role.COORDINATOR, Role.TRAINER)


def load_course(slug: str) -> Course:
    """The course, or 404 when it does not exist or is hidden from this visitor."""
    user_id = current_user.id if current_user.is_authenticated else None
    return service.readable_course(slug, user_id, is_staff=_is_staff()) or abort(404)


@bp.get("/courses")
@cached_page(personal=False)
def catalogue():
    text = request.args.get("q", "").strip()[:200]
    area = request.args.get("area") or None
    sdg = query_int("sdg")
    language = request.args.get("language") or None
    found = service.catalogue_page(text, area, sdg, language, page=query_int("page", 1))
    return render_template(
        "catalog/catalogue.html", found=found, facets=service.catalogue_facets(),
        text=text, area=area, sdg=sdg, language=language, upcoming=_upcoming(found.items),
    )


def _upcoming(courses: list[Course]) -> dict:
    """Upcoming cycles per course (lms.planning), for the catalogue and course pages."""
    from lms.planning.queries import upcoming_cycles_for_courses

    return upcoming_cycles_for_courses([c.id for c in courses])


@bp.get("/courses/<slug>")
def course(slug: str):
    course = load_course(slug)
    progress = service.course_progress(current_user.id, course) if current_user.is_authenticated else None
    return render_template("catalog/course.html", course=course, progress=progress,
                           upcoming=_upcoming([course]).get(course.id, []), may_edit=may_author(course))


def may_author(course: Course) -> bool:
    """Whether this person may edit the course in the browser: a coordinator, or a trainer of its
    cycles when the coordinators let its trainers (lms/catalog/editor_routes.py)."""
    if not current_user.is_authenticated:
        return False
    if has_any_role(current_user, Role.COORDINATOR):
        return True
    return (course.trainers_may_edit and current_user.has_role(Role.TRAINER)
            and trains_course(current_user.id, course.id))


@bp.get("/courses/<slug>/modules/<module_slug>")
@login_required
def module(slug: str, module_slug: str):
    course = load_course(slug)
    module = service.module_by_slug(course, module_slug) or abort(404)
    previous, following = service.neighbours(course, module)
    progress = service.course_progress(current_user.id, course)
    return render_template("catalog/module.html", course=course, module=module, previous=previous,
                           following=following, progress=progress, form=ProgressForm())


@bp.post("/courses/<slug>/modules/<module_slug>/done")
@login_required
def mark_done(slug: str, module_slug: str):
    course = load_course(slug)
    module = service.module_by_slug(course, module_slug) or abort(404)
    if not ProgressForm().validate_on_submit():
        abort(400)
    if module.quiz_file:
        flash(_("This module is done when you pass its quiz."), "info")
        return redirect(url_for("quizzes.overview", slug=slug, module_slug=module.slug))
    if request.form.get("undo"):
        service.mark_module_not_done(current_user.id, module)
        message = _("“%(title)s” is no longer marked as done.", title=module.title)
    else:
        service.mark_module_done(current_user.id, module)
        message = _("“%(title)s” is marked as done.", title=module.title)
    flash(message, "success")
    following = service.neighbours(course, module)[1]
    if following is not None and not request.form.get("undo"):
        return redirect(url_for("catalog.module", slug=slug, module_slug=following.slug))
    return redirect(url_for("catalog.module", slug=slug, module_slug=module.slug))


@bp.get("/courses/<slug>/files/<path:filename>")
def attachment(slug: str, filename: str):
    """A file beside the course's Markdown: only known types, only inside the course's folder."""
    course = load_course(slug)
    return send_attachment(Path(current_app.config["LMS_CONTENT_DIR"]) / course.slug, filename, max_age=3600)


def send_attachment(folder: Path, filename: str, *, max_age: int):  # type: ignore[no-untyped-def]
    """A known type of file inside `folder`, sandboxed (an SVG runs no script); 404 for anything else."""
    content_type = attachment_type(filename)
    folder = folder.resolve()
    path = (folder / filename).resolve()
    if content_type is None or folder not in path.parents or not path.is_file():
        abort(404)
    response = send_file(path, mimetype=content_type.split(";")[0], max_age=max_age)
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    response.headers["Content-Type"] = content_type
    return response


@bp.get("/my/learning")
@cached_page(personal=True)
@login_required
def my_learning():
    return render_template("catalog/my_learning.html", courses=service.my_learning(current_user.id))


def _content_dir() -> Path:
    return Path(current_app.config["LMS_CONTENT_DIR"])


def _manage_page(package_form: PackageForm, *, errors=(), status: int = 200):  # type: ignore[no-untyped-def]
    courses = service.all_courses_with_versions()
    changed = {c.slug for c in courses
               if packages.files_changed_since_import(_content_dir(), c.slug, c.content_version)}
    return render_template("catalog/manage.html", courses=courses, form=PublicationForm(), changed=changed,
                           package_form=package_form, errors=errors), status


@bp.get("/courses/manage")
@role_required(Role.COORDINATOR)
def manage():
    return _manage_page(PackageForm())


@bp.post("/courses/manage/upload")
@role_required(Role.COORDINATOR)
@limiter.limit("30 per hour")
def upload_package():
    """Check and import a course package (lms/catalog/packages.py), all or nothing."""
    form = PackageForm()
    if not form.validate_on_submit():
        return _manage_page(form, status=400)
    try:
        course, result = packages.upload_course(form.package.data.stream, _content_dir(), actor_id=current_user.id,
                                                replace_changed=form.replace_changed.data)
    except service.ContentInvalid as invalid:
        return _manage_page(form, errors=invalid.errors, status=400)
    except packages.FilesChangedOnServer as refusal:
        form.replace_changed.errors = [str(refusal)]
        return _manage_page(form, status=409)
    except packages.PackageRefused as refusal:
        form.package.errors = [str(refusal)]
        return _manage_page(form, status=400)
    if result.created:
        flash(_("“%(title)s” is created from the package.", title=course.title), "success")
    elif result.updated:
        flash(_("“%(title)s” is updated from the package: a new content version is recorded.", title=course.title),
              "success")
    else:
        flash(_("The package is the same as “%(title)s” already is: nothing changed.", title=course.title), "info")
    return redirect(url_for("catalog.versions", slug=course.slug))


@bp.get("/courses/<slug>/package.zip")
@role_required(Role.COORDINATOR)
def download_package(slug: str):
    course = service.get_course(slug) or abort(404)
    package = packages.course_package(_content_dir(), course.slug)
    if package is None:
        abort(404)
    return send_file(io.BytesIO(package), mimetype="application/zip", as_attachment=True,
                     download_name=f"{course.slug}.zip", max_age=0)


@bp.get("/courses/<slug>/versions")
@role_required(Role.COORDINATOR)
def versions(slug: str):
    course = service.get_course_with_history(slug) or abort(404)
    return render_template("catalog/versions.html", course=course, form=PublicationForm())


@bp.post("/courses/<slug>/publication")
@role_required(Role.ADMIN)
def publication(slug: str):
    course = service.get_course(slug) or abort(404)
    form = PublicationForm()
    if not form.validate_on_submit():
        abort(400)
    published = form.published.data == "1"
    service.set_published(course, published, actor_id=current_user.id)
    flash(_("“%(title)s” is now shown in the catalogue.", title=course.title) if published
          else _("“%(title)s” is hidden from the catalogue; those who started it keep it.", title=course.title),
          "success")
    return redirect(url_for("catalog.versions", slug=slug))


@bp.app_template_global()
def competence_areas() -> tuple[str, ...]:
    return COMPETENCE_AREAS
