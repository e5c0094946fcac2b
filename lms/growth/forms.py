"""The self-assessment form's words: the five steps, "don't know", the phases; and reading the answers."""
from __future__ import annotations

from typing import Mapping

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from lms.growth.models import LEVELS, Phase

#: a descriptor for each step of the scale, plain enough to answer without help
LEVEL_LABELS = {
    1: _l("Not yet – this is new to me"),
    2: _l("A little – I know something about it"),
    3: _l("With support – I can do it with help"),
    4: _l("On my own – I can do it myself"),
    5: _l("Confidently – I can help others with it"),
}
DONT_KNOW = "dk"
PHASE_LABELS = {
    Phase.BEFORE.value: _l("Before"),
    Phase.AFTER.value: _l("After"),
    Phase.LATER.value: _l("Six months later"),
}


class ActionForm(FlaskForm):
    """The CSRF token; the answers are radio buttons named `c<competence id>` (read by `read_levels`)."""


def field_name(competence_id: int) -> str:
    return f"c{competence_id}"


def read_levels(form: Mapping[str, str], competence_ids: list[int]) -> dict[int, int | None] | None:
    """Competence id → step (None for "don't know"); None if a statement is unanswered or odd."""
    levels: dict[int, int | None] = {}
    for competence_id in competence_ids:
        value = form.get(field_name(competence_id), "")
        if value == DONT_KNOW:
            levels[competence_id] = None
        elif value.isdigit() and int(value) in LEVELS:
            levels[competence_id] = int(value)
        else:
            return None
    return levels
