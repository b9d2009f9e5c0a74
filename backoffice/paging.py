"""Query shapes that keep list pages fast at an agency's scale (see `manage.py measure_pages`).

- `SubqueryCount`: a per-row count of related rows, as a correlated subquery. A `Count()`
  annotation makes the database join and group the WHOLE table before it can sort and cut a
  page of 50 (and Paginator.count wraps that in yet another grouped query); the subquery is
  computed only for the rows shown, and a count of the list leaves it out.
- `CappedPaginator`: counts at most `cap` matching rows. Counting a million audit events (or
  every one matching a search) costs a full scan on every page view, and offsets past the first
  thousands are as slow; beyond the cap, filters narrow the list better than paging does.
"""
from django.core.paginator import Paginator
from django.db.models import F, Func, IntegerField, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.functional import cached_property


def SubqueryCount(queryset: QuerySet):  # noqa: N802 (reads like the expression it is)
    """How many rows `queryset` (filtered on an OuterRef) has, for each outer row."""
    counted = queryset.order_by().annotate(
        _count=Func(F("pk"), function="COUNT", output_field=IntegerField())
    ).values("_count")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


class CappedPaginator(Paginator):
    """A Paginator that stops counting at `cap` rows; `capped` says whether there are more."""

    cap = 10_000

    def __init__(self, object_list, per_page, *args, cap: int | None = None, **kwargs):
        super().__init__(object_list, per_page, *args, **kwargs)
        if cap is not None:
            self.cap = cap

    @cached_property
    def count(self) -> int:
        if not isinstance(self.object_list, QuerySet):
            return super().count
        # COUNT(*) over (SELECT id ... LIMIT cap + 1): stops one past the cap (so `capped` needs
        # no second query), with the joins and the sort left out.
        found = self.object_list.order_by().values("pk")[: self.cap + 1].count()
        self.capped = found > self.cap
        return min(found, self.cap)

    capped = False  # set by count: whether more rows match than were counted
