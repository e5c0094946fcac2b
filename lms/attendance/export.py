"""The attendance matrix as CSV, safe to open in a spreadsheet."""
from __future__ import annotations

from flask_babel import format_datetime
from flask_babel import gettext as _

from lms.attendance.models import STATUS_LABELS
from lms.attendance.queries import Cell, Matrix
from lms.core.exports import Sheet, to_csv


def _cell_text(cell: Cell) -> str:
    if not cell.counted:
        return ""
    if cell.status is not None:
        return str(STATUS_LABELS[cell.status])
    return _("not recorded") if cell.held else ""


def matrix_csv(matrix: Matrix, language: str = "en") -> str:
    """One row per learner: the status at each session, then the counts and the rate."""
    session_heads = [format_datetime(s.starts_at, "yyyy-MM-dd HH:mm") + (" " + _("cancelled") if s.cancelled else "")
                     for s in matrix.sessions]
    header = [_("Name"), _("E-mail"), _("Organisation"), *session_heads, _("Attended"),
              _("Excused"), _("Missed"), _("Counted so far"), _("Rate (%)"), _("Can still miss")]
    rows = []
    for row in matrix.rows:
        summary = row.summary
        organisation = row.user.organisation.name if row.user.organisation else ""
        rows.append([row.user.name, row.user.email, organisation, *[_cell_text(c) for c in row.cells],
                     summary.attended, summary.excused, summary.missed, summary.counted_so_far,
                     "" if summary.percent is None else summary.percent,
                     summary.can_miss if summary.can_still_reach else _("unreachable")])
    return to_csv([Sheet(_("Attendance"), header, rows)], language)
