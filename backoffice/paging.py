"""Query shapes that keep list pages fast at an agency's scale (see `manage.py measure_pages`).

- `SubqueryCount`: a per-row count of related rows, as a correlated subquery. A `Count()`
  annotation makes the database join and group the WHOLE table before it can sort and cut a
  page of 50 (and Paginator.count wraps that in yet another grouped query); the subquery is
  computed only for the rows shown, and a count of the list leaves it out.
- `CappedPaginator`: counts at most `cap` matching rows. Counting a million audit events (or
  every one matching a search) costs a full scan on every page view, and offsets past the first
  thousands are as slow; beyond the cap, filters narrow the list better than paging does.
  A page is read as its ids first, then its rows: an offset over joined, annotated rows made
  the database join and annotate every row it skipped (SQLite computed a per-row count for
  all 50,000 agents to show 100 of them).
"""
from django.contrib.admin.views.main import ChangeList
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

    def _get_page(self, object_list, number, paginator):
        """The page's ids first (the offset walks an index, not joined and annotated rows),
        then its rows, by those ids, with their joins and per-row counts."""
        if isinstance(object_list, QuerySet) and object_list.query.is_sliced:
            ids = list(object_list.values_list("pk", flat=True))
            found = {row.pk: row for row in self.object_list.filter(pk__in=ids)}
            object_list = [found[pk] for pk in ids if pk in found]
        return super()._get_page(object_list, number, paginator)


class CappedCount(int):
    """A count that stopped at the cap: compares as the number, reads as "more than 10,000"."""

    def __str__(self) -> str:
        return f"more than {int(self):,}"


class CappedCountAdminMixin:
    """For a ModelAdmin over a big table: count to `CappedPaginator.cap`, and say so.

    The admin's templates print `cl.result_count` ("10000 agents", "Select all 10000 agents")
    and would pass the cap for the real count; beyond the cap they read "more than 10,000".
    """

    paginator = CappedPaginator
    show_full_result_count = False  # the count of the unfiltered table: the full scan we avoid

    def get_changelist(self, request, **kwargs):
        return CappedChangeList


class CappedChangeList(ChangeList):
    def get_results(self, request):
        super().get_results(request)
        if not self.multi_page and isinstance(self.result_list, QuerySet):
            # The admin reads a list that fits one page without its paginator: read it the same
            # way as a longer one, so that the page's queries do not depend on the row count.
            self.result_list = self.paginator.page(1).object_list
        if getattr(self.paginator, "capped", False):
            self.result_count = CappedCount(self.result_count)
