"""The arithmetic of growth against hand-computed cases, k-anonymity at its boundary, and erasure."""
import math
from datetime import datetime, timezone

import pytest

from lms.extensions import db
from lms.growth import stats
from lms.growth.service import erase_answers
from lms.privacy.erasure import erase_user
from tests.factories import make_assessment, make_organisation, make_user


def test_summarise_matches_a_hand_computed_case():
    # differences 1, 2, 0, 1: n 4, Σd 4, Σd² 6; mean 1, s² = (6 − 16/4)/3 = 2/3, t(3) = 3.182
    growth = stats.summarise(4, 4, 6, before_total=8, after_total=12)
    assert (growth.n, growth.before, growth.after, growth.change) == (4, 2.0, 3.0, 1.0)
    assert growth.sd == pytest.approx(math.sqrt(2 / 3))
    half = 3.182 * math.sqrt(2 / 3) / 2
    assert (growth.low, growth.high) == (pytest.approx(1 - half), pytest.approx(1 + half))
    assert growth.few


def test_one_pair_has_no_interval_and_equal_pairs_a_zero_width_one():
    one = stats.summarise(1, 2, 4, 1, 3)
    assert (one.change, one.sd, one.low, one.high) == (2.0, None, None, None)
    same = stats.summarise(3, 3, 3, 3, 6)
    assert (same.sd, same.low, same.high) == (0.0, 1.0, 1.0)


def test_t_quantiles():
    assert stats.t_quantile(1) == 12.706 and stats.t_quantile(30) == 2.042
    assert stats.t_quantile(200) == 1.960
    assert 2.0 < stats.t_quantile(45) < 2.042
    with pytest.raises(ValueError):
        stats.t_quantile(0)


def test_the_report_groups_the_pairs_in_sql_as_by_hand(setting):
    a, b, c, d = setting.people[:4]
    # first competence: (2→3), (1→3), (3→3); a "don't know" after and an answer without a before don't pair
    make_assessment(a, setting.cycle, "before", {setting.first: 2, setting.second: 4})
    make_assessment(a, setting.cycle, "after", {setting.first: 3, setting.second: None})
    make_assessment(b, setting.cycle, "before", {setting.first: 1, setting.second: 2})
    make_assessment(b, setting.cycle, "after", {setting.first: 3, setting.second: 1})
    make_assessment(c, setting.cycle, "before", {setting.first: 3, setting.second: None})
    make_assessment(c, setting.cycle, "after", {setting.first: 3, setting.second: 5})
    make_assessment(d, setting.cycle, "after", {setting.first: 5, setting.second: 5})
    db.session.commit()
    lines = {line.competence.id: line.growth for line in stats.course_growth()}
    first = lines[setting.first.id]
    # d = 1, 2, 0: mean 1, s² = (5 − 9/3)/2 = 1, half = 4.303 / √3
    assert (first.n, first.before, first.after, first.change, first.sd) == (3, 2.0, 3.0, 1.0, 1.0)
    assert first.low == pytest.approx(1 - 4.303 / math.sqrt(3))
    second = lines[setting.second.id]
    assert (second.n, second.change, second.low) == (1, -1.0, None)
    assert stats.course_growth(year=2027) and not stats.course_growth(year=2026)


def _org_with(setting, people: int):
    organisation = make_organisation()
    members = [make_user(organisation=organisation) for _ in range(people)]  # stats read no enrolments
    for person in members:
        make_assessment(person, setting.cycle, "before", {setting.first: 2, setting.second: 3})
        make_assessment(person, setting.cycle, "after", {setting.first: 4, setting.second: None})
    db.session.commit()
    return organisation, members


@pytest.mark.parametrize("people, shown", [(4, False), (5, True), (6, True)])
def test_an_organisation_sees_a_competence_only_for_five_people_or_more(setting, people, shown):
    organisation, _members = _org_with(setting, people)
    lines = stats.organisation_growth(organisation.id)
    assert [line.competence.id for line in lines] == [setting.first.id]  # the second never paired
    assert lines[0].people == people
    assert (lines[0].growth is not None) is shown
    if shown:
        assert (lines[0].growth.n, lines[0].growth.change) == (people, 2.0)


def test_erasure_removes_a_persons_answers_from_every_aggregate(setting):
    organisation, members = _org_with(setting, 5)
    assert stats.organisation_growth(organisation.id)[0].growth is not None
    erase_user(members[0].id, actor_id=None, now=datetime(2027, 6, 1, tzinfo=timezone.utc))
    db.session.commit()
    line = stats.organisation_growth(organisation.id)[0]
    assert (line.people, line.growth) == (4, None)
    assert stats.course_growth()[0].growth.n == 4
    assert stats.course_growth(organisation_id=organisation.id)[0].growth.n == 4
    assert erase_answers(members[0].id) == 0
