"""What the pager shows for a page of items."""
from lms.core.paging import Page


def test_pages_with_a_known_total():
    first, middle, last = (Page(["…"], number, 10, total=25) for number in (1, 2, 3))
    assert (first.pages, first.has_prev, first.prev_num, first.next_num) == (3, False, None, 2)
    assert (middle.prev_num, middle.next_num) == (1, 3)
    assert (last.has_next, last.next_num) == (False, None)
    assert (Page([], 1, 10, total=0).pages, Page([], 1, 10, total=0).has_next) == (1, False)


def test_pages_that_only_know_whether_more_follow():
    assert (Page(["…"], 4, 10, has_more=True).pages, Page(["…"], 4, 10, has_more=True).next_num) == (None, 5)
    assert Page(["…"], 5, 10).has_next is False
