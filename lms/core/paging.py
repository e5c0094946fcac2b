"""A page of items found by the caller, with what the pager macro in _pager.html reads."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """Either the total is known (pages are counted), or only whether more follow."""

    items: list[T]
    page: int
    per_page: int
    total: int | None = None
    has_more: bool = False

    @property
    def pages(self) -> int | None:
        return None if self.total is None else max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def has_next(self) -> bool:
        return self.has_more if self.total is None else self.page < (self.pages or 1)

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None
