"""Measure every list page and admin changelist: status, SQL queries and server time.

    DATABASE_URL=sqlite:////work/main/var/scale.sqlite3 DEBUG=true .venv/bin/python manage.py seed_scale
    DATABASE_URL=sqlite:////work/main/var/scale.sqlite3 DEBUG=true .venv/bin/python manage.py measure_pages

The pages are found, not listed by hand: every GET route of the back office (the `agents` and
`audit` namespaces, with ids filled in from the data: the biggest rollout, the agent with the
longest history, ...) and every changelist registered with the admin site, each also with a
typical filter, a search, page 2 and the last page. A superuser is logged in with Django's test
Client; each page gets one warm-up request, then the median of --repeat timed requests.
Routes that do not answer GET (405) are writes, and are listed as skipped.

Exits non-zero if a page does not answer 200 or takes --budget-ms or more.
"""
import logging
import statistics
import time
from dataclasses import dataclass

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models
from django.db.models import Count
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from agents.models import Agent, AgentTemplate, Location, Rollout
from audit.models import AuditEvent, Generation, SoftDelete

NAMESPACES = ("agents", "audit")
MEASURE_USER = "scale-measure"
# Extra query strings per page, beyond the page as first opened.
SITE_VARIANTS = {
    "agents:location_list": ["q=Dental", "status=failed", "page=2", "page=last"],
    "agents:location_detail": ["page=2"],
    "agents:agent_detail": ["page=2"],
    "agents:rollout_list": ["page=2", "page=last"],
    "agents:rollout_detail": ["status=failed", "page=2", "page=last"],
    "agents:rollout_plan": ["outcome=update", "page=2", "page=last"],
    "agents:template_rollout": ["q=Dental", "page=2", "page=last"],
    "audit:trail": ["verb=updated", "location={location_id}", "agent={agent_id}", "rollout={rollout_id}",
                    "date_from={month_ago}&date_to={today}", "page=2", "page=last"],
    "audit:trail_export": [],
}
# Views whose first request answers with a download: measured with a filter (the whole trail
# is measure_export's business), streamed to the end.
SITE_QUERIES = {"audit:trail_export": "agent={agent_id}"}
LAST_PAGE = 999_999


@dataclass
class PageToMeasure:
    label: str  # stable across data sizes: the URL name and the variant, never an id
    url: str


@dataclass
class Measurement:
    page: PageToMeasure
    status: int
    queries: int
    median_ms: float


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def measure(client: Client, page: PageToMeasure, repeat: int) -> Measurement:
    """One warm-up request, then `repeat` timed ones; the query count is the last request's.

    With repeat=0 the one request is both (enough for counting queries).
    """
    timings, status, counter = [], None, QueryCounter()
    request_logger = logging.getLogger("django.request")
    level = request_logger.level
    request_logger.setLevel(logging.ERROR)  # the 405s of write routes are expected here
    try:
        for attempt in range(repeat + 1):
            counter.count = 0
            with connection.execute_wrapper(counter):
                started = time.perf_counter()
                response = client.get(page.url)
                if response.streaming:
                    b"".join(response.streaming_content)
                elapsed = time.perf_counter() - started
            status = response.status_code
            if attempt or not repeat:
                timings.append(elapsed * 1000)
    finally:
        request_logger.setLevel(level)
    return Measurement(page, status, counter.count, statistics.median(timings))


def logged_in_client(username: str = MEASURE_USER) -> tuple[Client, models.Model]:
    user, created = get_user_model().objects.get_or_create(
        username=username, defaults={"is_staff": True, "is_superuser": True})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    # localhost is allowed by default; https so that SECURE_SSL_REDIRECT does not answer 301.
    client = Client(SERVER_NAME="localhost", **{"wsgi.url_scheme": "https", "SERVER_PORT": "443"})
    client.force_login(user)
    return client, user


# --- Finding the pages ----------------------------------------------------------------------------

def site_routes():
    """(URL name, pattern) of every route in the back office's namespaces."""
    found = []

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and pattern.name and namespace in NAMESPACES:
                found.append((f"{namespace}:{pattern.name}", pattern))

    walk(get_resolver().url_patterns, None)
    return found


def sample_ids() -> dict:
    """Ids that make each page as heavy as the data allows."""
    import datetime

    from django.utils import timezone

    busiest_agent = (AuditEvent.objects.filter(agent__isnull=False).order_by().values("agent")
                     .annotate(n=Count("pk")).order_by("-n").values_list("agent", flat=True).first())
    agent = Agent.objects.filter(pk=busiest_agent).first() or Agent.objects.order_by("pk").first()
    targets = Rollout.objects.annotate(n=Count("targets")).order_by("-n", "pk")
    started = targets.exclude(status__in=[Rollout.Status.PLANNING, Rollout.Status.PLANNED]).first()
    planned = targets.filter(status__in=[Rollout.Status.PLANNING, Rollout.Status.PLANNED]).first()
    template = AgentTemplate.objects.annotate(n=Count("agents")).order_by("-n", "pk").first()
    deletion = SoftDelete.objects.order_by("-pk").first()
    today = timezone.localdate()
    return {
        "agent_id": agent.pk if agent else None,
        "location_id": agent.location_id if agent else getattr(Location.objects.first(), "pk", None),
        "rollout_id": getattr(started or planned, "pk", None),
        "planned_rollout_id": getattr(planned or started, "pk", None),
        "template_id": getattr(template, "pk", None),
        "action_id": template.actions.values_list("pk", flat=True).first() if template else None,
        "request_id": getattr(deletion, "pk", None),
        "batch_id": getattr(deletion, "batch_id", None),
        "generation_id": Generation.objects.values_list("pk", flat=True).first(),
        "export_format": "csv",
        "today": today.isoformat(),
        "month_ago": (today - datetime.timedelta(days=30)).isoformat(),
    }


def site_pages(ids: dict) -> list[PageToMeasure]:
    pages = []
    for name, pattern in site_routes():
        kwargs = {}
        for key in pattern.pattern.converters:
            lookup = "planned_rollout_id" if name == "agents:rollout_plan" and key == "rollout_id" else key
            kwargs[key] = ids.get(lookup)
        if any(value is None for value in kwargs.values()):
            continue  # nothing in the database to show on this page
        url = reverse(name, kwargs=kwargs)
        first = SITE_QUERIES.get(name, "").format(**ids)
        pages.append(PageToMeasure(name, f"{url}?{first}" if first else url))
        for variant in SITE_VARIANTS.get(name, []):
            # Paginator.get_page answers a number past the end with the last page.
            query = variant.replace("page=last", f"page={LAST_PAGE}").format(**ids)
            pages.append(PageToMeasure(f"{name} ?{variant}", f"{url}?{query}"))
    return pages


def admin_pages(user) -> list[PageToMeasure]:
    pages = []
    request = RequestFactory().get("/")
    request.user = user
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        name = f"admin:{opts.app_label}_{opts.model_name}_changelist"
        url = reverse(name)
        pages.append(PageToMeasure(name, url))
        queryset = model_admin.get_queryset(request)
        sample = queryset.order_by("-pk").first()
        search = _search_term(model_admin, queryset)
        if search:
            pages.append(PageToMeasure(f"{name} ?q=", f"{url}?q={search}"))
        for number, query in enumerate(_filter_queries(model_admin, request, sample)):
            pages.append(PageToMeasure(f"{name} filter {number + 1}", f"{url}?{query}"))
        # The admin's own paginator: a model admin may count less than every row.
        last = model_admin.get_paginator(request, queryset, model_admin.list_per_page).num_pages
        pages.append(PageToMeasure(f"{name} ?p=2", f"{url}?p={min(2, last)}"))
        pages.append(PageToMeasure(f"{name} ?p=last", f"{url}?p={last}"))
    return pages


def _search_term(model_admin, queryset) -> str:
    if not model_admin.search_fields:
        return ""
    field = model_admin.search_fields[0].lstrip("^=@")
    value = queryset.order_by().values_list(field, flat=True).exclude(**{field: ""}).first()
    return str(value).split()[0][:20] if value else ""


def _filter_queries(model_admin, request, sample) -> list[str]:
    """A typical use of the first list filter (and of the date hierarchy, when there is one)."""
    queries = []
    for entry in list(model_admin.list_filter)[:1]:
        if isinstance(entry, str):
            queries.append(_field_filter_query(model_admin.model, entry, sample))
        elif isinstance(entry, tuple):
            queries.append(_field_filter_query(model_admin.model, entry[0], sample))
        else:  # a SimpleListFilter: its first lookup
            list_filter = entry(request, {}, model_admin.model, model_admin)
            lookups = list(list_filter.lookups(request, model_admin) or [])
            if lookups:
                queries.append(f"{list_filter.parameter_name}={lookups[0][0]}")
    if model_admin.date_hierarchy and sample is not None:
        moment = getattr(sample, model_admin.date_hierarchy)
        if moment:
            field = model_admin.date_hierarchy
            queries.append(f"{field}__year={moment.year}&{field}__month={moment.month}")
    return [query for query in queries if query]


def _field_filter_query(model, name, sample) -> str:
    field = model._meta.get_field(name)
    if field.choices:
        return f"{name}__exact={field.choices[0][0]}"
    if isinstance(field, models.BooleanField):
        return f"{name}__exact=1"
    if isinstance(field, models.DateTimeField | models.DateField):
        return f"{name}__gte=2000-01-01%2000:00:00%2B00:00"  # what DateFieldListFilter sends, aware
    value = getattr(sample, field.attname, None) if sample is not None else None
    if value is None:
        return ""
    return f"{name}__id__exact={value}" if field.is_relation else f"{name}__exact={value}"


class Command(BaseCommand):
    help = "Measure status, queries and median server time of every list page and admin changelist."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=5, help="Timed requests per page, after one warm-up.")
        parser.add_argument("--budget-ms", type=float, default=300.0)
        parser.add_argument("--only", default="", help="Measure only the pages whose label contains this.")

    def handle(self, *args, repeat, budget_ms, only, **options):
        client, user = logged_in_client()
        pages = site_pages(sample_ids()) + admin_pages(user)
        pages = [page for page in pages if only in page.label]
        self.stdout.write(f"{connection.vendor}: {Location.objects.count():,} locations, {Agent.objects.count():,} agents, "
                          f"{AuditEvent.objects.count():,} audit events; median of {repeat} after a warm-up")
        width = max(len(page.url) for page in pages)
        self.stdout.write(f"{'URL':<{width}}  status  queries  median ms")
        failures, skipped = [], []
        for page in pages:
            try:
                result = measure(client, page, repeat)
            except IncorrectLookupParameters:
                result = Measurement(page, 400, 0, 0.0)
            if result.status == 405:
                skipped.append(page.label)
                continue
            slow = result.median_ms >= budget_ms
            flag = "  SLOW" if slow else ("  NOT 200" if result.status != 200 else "")
            self.stdout.write(f"{page.url:<{width}}  {result.status:>6}  {result.queries:>7}  {result.median_ms:>9.1f}{flag}")
            if slow or result.status != 200:
                failures.append(page.url)
        self.stdout.write(f"Skipped (no GET, they are writes): {', '.join(skipped) or 'none'}")
        if failures:
            raise CommandError(f"{len(failures)} page(s) not 200 or at or over {budget_ms:.0f} ms: {', '.join(failures)}")
        self.stdout.write(self.style.SUCCESS(f"All {len(pages) - len(skipped)} pages answered 200 in under {budget_ms:.0f} ms."))
