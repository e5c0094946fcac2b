"""A course's validity in course.yaml: how long its certificate holds, and what renews it.

```yaml
validity:
  months: 12                 # whole months, 1-120; leave the block out for "valid without end"
  window_days: 90            # the recertification window opens this many days before expiry
  expiry_from: completion    # completion | previous_expiry | fixed_date
  fixed_date: "06-30"        # MM-DD, with expiry_from: fixed_date
  minimum_months: 6          # with fixed_date: a period is at least this long
  renewed_by: course         # course (the full course again) | refresher (a shorter course) | quiz
  refresher: gdpr-repetition # with renewed_by: refresher, the slug of the shorter course
  quiz: 07-repetition        # with renewed_by: quiz, a module of this course with a quiz (the refresher quiz)
  quiz_grace_days: 90        # with renewed_by: quiz, a pass still renews this many days after expiry
```

Read into plain values (`ValiditySource`); errors go to the caller's collector with their line.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any, Callable

FIELDS = ("months", "window_days", "expiry_from", "fixed_date", "minimum_months", "renewed_by", "refresher",
          "quiz", "quiz_grace_days")
BASES = ("completion", "previous_expiry", "fixed_date")
RENEWALS = ("course", "refresher", "quiz")
MONTH_DAY = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")
DEFAULT_WINDOW_DAYS = 90
DEFAULT_QUIZ_GRACE_DAYS = 90


@dataclass(frozen=True)
class ValiditySource:
    months: int
    window_days: int = DEFAULT_WINDOW_DAYS
    expiry_from: str = "completion"
    fixed_date: str | None = None
    minimum_months: int = 0
    renewed_by: str = "course"
    refresher: str | None = None
    quiz: str | None = None
    quiz_grace_days: int = DEFAULT_QUIZ_GRACE_DAYS

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _whole(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def read_validity(data: dict, line_of: Callable[[str], int], add: Callable[[int, str], None]) -> ValiditySource | None:
    """The `validity` block of a course, or None (valid without end); every error reported."""
    block = data.get("validity")
    if block is None:
        return None
    top = line_of("validity")
    if not isinstance(block, dict):
        add(top, "'validity' must be a mapping (months, window_days, expiry_from, …)")
        return None
    errors_before = _Counter(add)
    for name in block:
        if name not in FIELDS:
            errors_before(top, f"unknown validity field {name!r} (known: {', '.join(FIELDS)})")
    months, window = block.get("months"), block.get("window_days", DEFAULT_WINDOW_DAYS)
    if not _whole(months, 1, 120):
        errors_before(top, f"validity months must be a whole number from 1 to 120, not {months!r}")
    if not _whole(window, 0, 365):
        errors_before(top, f"validity window_days must be a whole number from 0 to 365, not {window!r}")
    basis = block.get("expiry_from", "completion")
    fixed, minimum = block.get("fixed_date"), block.get("minimum_months", 0)
    if basis not in BASES:
        errors_before(top, f"validity expiry_from must be one of {', '.join(BASES)}, not {basis!r}")
    if basis == "fixed_date" and not (isinstance(fixed, str) and MONTH_DAY.match(fixed)):
        errors_before(top, f"validity fixed_date must be a month and day as \"MM-DD\", not {fixed!r}")
    if basis == "fixed_date" and months != 12:
        errors_before(top, "validity with expiry_from: fixed_date renews yearly: months must be 12")
    if basis != "fixed_date" and fixed is not None:
        errors_before(top, "validity fixed_date is only read with expiry_from: fixed_date")
    if not _whole(minimum, 0, 120) or (_whole(months, 1, 120) and minimum > months):
        errors_before(top, f"validity minimum_months must be a whole number from 0 to months, not {minimum!r}")
    renewed_by, refresher = block.get("renewed_by", "course"), block.get("refresher")
    if renewed_by not in RENEWALS:
        errors_before(top, f"validity renewed_by must be one of {', '.join(RENEWALS)}, not {renewed_by!r}")
    if renewed_by == "refresher" and not (isinstance(refresher, str) and refresher.strip()):
        errors_before(top, "validity renewed_by: refresher needs refresher: the slug of the refresher course")
    quiz, grace = _read_quiz(block, renewed_by, top, errors_before)
    if errors_before.count:
        return None
    return ValiditySource(months=months, window_days=window, expiry_from=basis,
                          fixed_date=fixed if basis == "fixed_date" else None, minimum_months=minimum,
                          renewed_by=renewed_by, refresher=refresher.strip() if refresher else None,
                          quiz=quiz, quiz_grace_days=grace)


def _read_quiz(block: dict, renewed_by: Any, top: int, add: Callable[[int, str], None]) -> tuple[str | None, int]:
    """The refresher quiz's module and its grace after expiry; the module is checked against the
    course's modules by the caller (lms/catalog/content.py)."""
    quiz, grace = block.get("quiz"), block.get("quiz_grace_days", DEFAULT_QUIZ_GRACE_DAYS)
    if renewed_by == "quiz" and not (isinstance(quiz, str) and quiz.strip()):
        add(top, "validity renewed_by: quiz needs quiz: the slug of a module of this course with a quiz")
    if renewed_by != "quiz" and ("quiz" in block or "quiz_grace_days" in block):
        add(top, "validity quiz and quiz_grace_days are only read with renewed_by: quiz")
    if not _whole(grace, 0, 365):
        add(top, f"validity quiz_grace_days must be a whole number from 0 to 365, not {grace!r}")
    return (quiz.strip() if renewed_by == "quiz" and isinstance(quiz, str) else None), grace


class _Counter:
    def __init__(self, add: Callable[[int, str], None]):
        self.add, self.count = add, 0

    def __call__(self, line: int, message: str) -> None:
        self.count += 1
        self.add(line, message)


def renewal_quiz_problem(validity: ValiditySource | None, modules: dict[str, bool]) -> str | None:
    """What is wrong with `renewed_by: quiz` given the course's modules (slug: has a quiz), or None."""
    slug = validity.quiz if validity else None
    if slug is None or modules.get(slug):
        return None
    what = "is not a module of this course" if slug not in modules else "has no quiz"
    return f"validity quiz {slug!r} {what}"


def renewed_by_quiz(validity: dict | None) -> bool:
    return bool(validity and validity.get("renewed_by") == "quiz" and validity.get("quiz"))


def renewing_slug(course_slug: str, validity: dict | None) -> str:
    """The course whose completion renews a certificate of `course_slug` (with a quiz alone: its
    own course, taken again in full, still renews it)."""
    if validity and validity.get("renewed_by") == "refresher" and validity.get("refresher"):
        return validity["refresher"]
    return course_slug
