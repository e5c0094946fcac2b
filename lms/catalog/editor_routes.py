"""The course editor for coordinators: a draft of the course's files, previewed and checked, then published.

The rules are in lms/catalog/drafts.py; these views add their pages to the catalogue's blueprint.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime, gettext as _
from flask_login import current_user

from lms.auth.models import Role
from lms.auth.permissions import has_any_role, require, role_required
from lms.catalog import drafts, history, service
from lms.catalog.content import ContentError
from lms.catalog.forms import (
    AddModuleForm, AttachmentForm, CourseAuthorsForm, CourseFieldsForm, ModuleForm, NewCourseForm, ProgressForm, PublishDraftForm,
    RestoreVersionForm,
)
from lms.catalog.markdown import render_markdown
from lms.catalog.routes import bp, may_author, send_attachment
from lms.core.unit_of_work import refusal_flashed

coordinators = role_required(Role.COORDINATOR)
#: the editor's pages: coordinators, and the trainers of a course whose coordinators let them (checked per course)
authors = role_required(Role.COORDINATOR, Role.TRAINER)


def _content_dir() -> Path:
    return Path(current_app.config["LMS_CONTENT_DIR"])


@dataclass(frozen=True)
class EditedCourse:
    slug: str
    title: str
    #: whether learners have a published version (a course made in the browser has none until published)
    imported: bool


def _editable(slug: str) -> EditedCourse:
    """The course as its editor shows it (from the database, or only a draft of a new course), if this
    person may write it: a coordinator, or a trainer of its cycles whom the coordinators let (403)."""
    course = service.get_course(slug)
    if course is not None:
        require(may_author(course))
    if course is not None and (_content_dir() / course.slug).is_dir():
        return EditedCourse(course.slug, course.title, True)
    require(has_any_role(current_user, Role.COORDINATOR))
    if course is None and drafts.has_draft(_content_dir(), slug):
        title = drafts.course_fields(drafts.draft_folder(_content_dir(), slug)).get("title")
        return EditedCourse(slug, str(title or slug), False)
    abort(404)


def _designs() -> list[str]:
    folder = Path(current_app.config["LMS_CERTIFICATE_DESIGNS_DIR"])
    return sorted(p.name for p in folder.iterdir() if (p / "template.html").is_file()) or ["standard"]


@bp.route("/courses/manage/new", methods=["GET", "POST"])
@coordinators
def new_course():
    form = NewCourseForm(designs=_designs())
    if form.validate_on_submit():
        slug = form.slug.data.strip()
        with refusal_flashed(request.url):
            drafts.new_course(_content_dir(), slug, form.values(), taken=service.get_course(slug) is not None)
        flash(_("The course is started as a draft with a first module. Write its modules, then publish it."),
              "success")
        return redirect(url_for("catalog.editor", slug=slug))
    return render_template("catalog/course_fields.html", form=form, course=None)


@bp.route("/courses/<slug>/edit/course", methods=["GET", "POST"])
@authors
def edit_course_fields(slug: str):
    course = _editable(slug)
    form = CourseFieldsForm(designs=_designs())
    if request.method == "GET":
        fields = drafts.course_fields(_folder(slug))
        form.process(data={**fields, "learning_outcomes": "\n".join(fields.get("learning_outcomes") or [])})
    if form.validate_on_submit():
        with refusal_flashed(request.url):
            drafts.save_course_fields(drafts.start_draft(_content_dir(), slug), form.values())
        flash(_("The draft is saved. Learners see it once you publish the course."), "success")
        return redirect(url_for("catalog.editor", slug=slug))
    return render_template("catalog/course_fields.html", form=form, course=course)


def _folder(slug: str) -> Path:
    return drafts.draft_folder(_content_dir(), slug) if drafts.has_draft(_content_dir(), slug) \
        else _content_dir() / slug


@bp.get("/courses/<slug>/edit")
@authors
def editor(slug: str):
    course = _editable(slug)
    draft = drafts.has_draft(_content_dir(), slug)
    folder = _folder(slug)
    modules = [drafts.read_module(folder, m) for m in drafts.module_slugs(folder)
               if (folder / f"{m}.md").is_file()]
    errors = drafts.check_draft(_content_dir(), slug)[1] if draft else []
    located = [(error, next((m for m in modules if error.path.rsplit("/", 1)[-1].startswith(m.slug)), None))
               for error in errors]
    return render_template("catalog/editor.html", course=course, draft=draft, modules=modules, errors=located,
                           files=drafts.attachments(folder), attachment_form=AttachmentForm(),
                           add_form=AddModuleForm(), publish_form=PublishDraftForm(), action=ProgressForm(),
                           changed=draft and drafts.files_changed_since_draft(_content_dir(), slug))


@bp.route("/courses/<slug>/edit/modules/<module_slug>", methods=["GET", "POST"])
@authors
def edit_module(slug: str, module_slug: str):
    course = _editable(slug)
    try:
        text = drafts.read_module(_folder(slug), module_slug)
    except drafts.DraftError:
        abort(404)
    form = ModuleForm(obj=text if request.method == "GET" else None)
    errors = None
    if form.validate_on_submit():
        with refusal_flashed(request.url):
            drafts.save_module(drafts.start_draft(_content_dir(), slug), drafts.ModuleText(
                slug=module_slug, title=form.title.data, minutes=form.minutes.data, required=form.required.data,
                body=form.body.data or "", quiz=form.quiz.data or ""))
        errors = _module_errors(drafts.check_draft(_content_dir(), slug)[1], slug, module_slug)
        flash(_("The draft is saved. Learners see it once you publish the course.") if not errors
              else _("The draft is saved, with errors to fix before it can be published."),
              "success" if not errors else "warning")
    preview = render_markdown(form.body.data or "", _draft_url_rewriter(slug))
    return render_template("catalog/edit_module.html", course=course, module=text, form=form, preview=preview,
                           errors=errors)


@bp.post("/courses/<slug>/edit/preview")
@authors
def live_preview(slug: str):
    """The module text as learners will read it, rendered as the author types (the sanitising renderer)."""
    _editable(slug)
    if not ProgressForm().validate_on_submit():
        abort(400)
    body = request.form.get("body", "")[:100_000]
    return {"html": render_markdown(body, _draft_url_rewriter(slug))}


def _draft_url_rewriter(slug: str):  # type: ignore[no-untyped-def]
    """Links as the reader makes them, but pictures and files from the draft, which learners cannot see yet."""
    published = service.course_url_rewriter(slug)

    def rewrite(target: str) -> str:
        url = published(target)
        prefix = f"/courses/{slug}/files/"
        return url_for("catalog.draft_file", slug=slug, filename=url[len(prefix):]) if url.startswith(prefix) else url

    return rewrite


def _module_errors(errors: list[ContentError], slug: str, module_slug: str) -> list[tuple[str, int, ContentError]]:
    """Each error with where the author finds it: a line of the text or of the quiz field, or another file."""
    text_starts = drafts.body_offset(drafts.draft_folder(_content_dir(), slug), module_slug)
    found = []
    for error in errors:
        name = error.path.rsplit("/", 1)[-1]
        if name == f"{module_slug}.md" and error.line > text_starts:
            found.append(("text", error.line - text_starts, error))
        elif name.endswith(".gift") and name.startswith(module_slug):
            found.append(("quiz", error.line, error))
        else:
            found.append(("other", error.line, error))
    return found


@bp.post("/courses/<slug>/edit/modules")
@authors
def add_module(slug: str):
    _editable(slug)
    form = AddModuleForm()
    if not form.validate_on_submit():
        flash(_("Give the new module a title."), "error")
        return redirect(url_for("catalog.editor", slug=slug))
    with refusal_flashed(url_for("catalog.editor", slug=slug)):
        module_slug = drafts.add_module(drafts.start_draft(_content_dir(), slug), form.module_title.data)
    return redirect(url_for("catalog.edit_module", slug=slug, module_slug=module_slug))


@bp.post("/courses/<slug>/edit/publish")
@authors
def publish_draft(slug: str):
    course = _editable(slug)
    form = PublishDraftForm()
    if not form.validate_on_submit():
        abort(400)
    back = url_for("catalog.editor", slug=slug)
    try:
        with refusal_flashed(back, "warning"):  # a draft that would replace files changed since it began
            drafts.publish_draft(_content_dir(), slug, replace_changed=form.replace_changed.data,
                                 actor_id=current_user.id)
    except service.ContentInvalid:
        flash(_("The draft has errors: fix them, then publish."), "error")
        return redirect(back)
    flash(_("“%(title)s” is published: learners read the new version now.", title=course.title), "success")
    return redirect(url_for("catalog.versions", slug=slug) if has_any_role(current_user, Role.COORDINATOR)
                    else url_for("catalog.course", slug=slug))


@bp.post("/courses/<slug>/edit/discard")
@authors
def discard_draft(slug: str):
    if not ProgressForm().validate_on_submit():
        abort(400)
    course = _editable(slug)
    drafts.discard_draft(_content_dir(), slug)
    if not course.imported:
        flash(_("The new course is thrown away."), "success")
        return redirect(url_for("catalog.manage"))
    flash(_("The draft is thrown away; the published course is as it was."), "success")
    return redirect(url_for("catalog.editor", slug=slug))


# --- the order of the modules, and pictures and files --------------------------------------------------------

@bp.post("/courses/<slug>/edit/modules/<module_slug>/move")
@authors
def move_module(slug: str, module_slug: str):
    _editable(slug)
    direction = request.form.get("direction")
    if not ProgressForm().validate_on_submit() or direction not in ("up", "down"):
        abort(400)
    back = url_for("catalog.editor", slug=slug)
    with refusal_flashed(back):
        drafts.move_module(drafts.start_draft(_content_dir(), slug), module_slug, -1 if direction == "up" else 1)
    return redirect(f"{back}#modules-heading")


@bp.post("/courses/<slug>/edit/files")
@authors
def add_attachment(slug: str):
    _editable(slug)
    form = AttachmentForm()
    back = url_for("catalog.editor", slug=slug)
    if not form.validate_on_submit():
        flash(" ".join(str(e) for e in form.attachment.errors) or _("Choose a file."), "error")
        return redirect(back)
    with refusal_flashed(back):
        name = drafts.add_attachment(drafts.start_draft(_content_dir(), slug), form.attachment.data.filename or "",
                                     form.attachment.data.read(drafts.MAX_ATTACHMENT_BYTES + 1))
    flash(_("%(name)s is added to the draft.", name=name), "success")
    return redirect(f"{back}#files-heading")


@bp.post("/courses/<slug>/edit/files/<name>/remove")
@authors
def remove_attachment(slug: str, name: str):
    _editable(slug)
    if not ProgressForm().validate_on_submit():
        abort(400)
    with refusal_flashed(url_for("catalog.editor", slug=slug)):
        drafts.remove_attachment(drafts.start_draft(_content_dir(), slug), name)
    flash(_("%(name)s is removed from the draft.", name=name), "success")
    return redirect(url_for("catalog.editor", slug=slug) + "#files-heading")


@bp.get("/courses/<slug>/edit/files/<path:filename>")
@authors
def draft_file(slug: str, filename: str):
    """A picture or file of the draft (or of the course, without one), served as learners get theirs."""
    _editable(slug)
    return send_attachment(_folder(slug), filename, max_age=0)


@bp.post("/courses/<slug>/authors")
@coordinators
def course_authors(slug: str):
    """Whether the trainers of the course's cycles may edit it in the browser."""
    course = service.get_course(slug) or abort(404)
    form = CourseAuthorsForm()
    if not form.validate_on_submit():
        abort(400)
    service.let_trainers_edit(course, form.trainers_may_edit.data, actor_id=current_user.id)
    flash(_("The trainers of the course's cycles may now edit it in the browser.") if course.trainers_may_edit
          else _("Only coordinators edit the course in the browser now."), "success")
    return redirect(url_for("catalog.versions", slug=slug))


# --- content versions: what changed, and restoring one ------------------------------------------------------

@bp.get("/courses/<slug>/versions/<int:version_id>")
@coordinators
def version_changes(slug: str, version_id: int):
    course = service.get_course(slug) or abort(404)
    version, previous = history.version_with_previous(course.id, version_id)
    if version is None:
        abort(404)
    return render_template("catalog/version_changes.html", course=course, version=version, previous=previous,
                           changes=history.changes(previous.package if previous else None, version.package),
                           form=RestoreVersionForm())


@bp.post("/courses/<slug>/versions/<int:version_id>/restore")
@coordinators
def restore_version(slug: str, version_id: int):
    course = service.get_course(slug) or abort(404)
    version, _previous = history.version_with_previous(course.id, version_id)
    form = RestoreVersionForm()
    if version is None:
        abort(404)
    if not form.validate_on_submit():
        abort(400)
    back = url_for("catalog.version_changes", slug=slug, version_id=version_id)
    with refusal_flashed(back, "warning"):
        _source, result = history.restore(version, _content_dir(), replace_changed=form.replace_changed.data,
                                          actor_id=current_user.id)
    flash(_("The version of %(when)s is restored as a new version.", when=format_datetime(version.imported_at))
          if result.updated else _("The course is already as that version: nothing changed."), "success")
    return redirect(url_for("catalog.versions", slug=slug))
