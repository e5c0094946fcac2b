"""The coordinator's growth report as a sheet (CSV): one row per course and competence."""
from __future__ import annotations

from flask_babel import gettext as _

from lms.core.exports import Sheet
from lms.growth.stats import CourseLine


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def growth_sheet(lines: list[CourseLine], language: str) -> Sheet:
    header = [_("Course"), _("Framework area"), _("Competence"), _("Paired answers"), _("Mean before"),
              _("Mean after"), _("Mean change"), _("Interval (%(level)s %%), low", level=95),
              _("Interval (%(level)s %%), high", level=95)]
    rows = [[line.course_title, line.competence.area(language), line.competence.name(language), line.growth.n,
             _rounded(line.growth.before), _rounded(line.growth.after), _rounded(line.growth.change),
             _rounded(line.growth.low), _rounded(line.growth.high)] for line in lines]
    return Sheet(_("Competence growth"), header, rows)
