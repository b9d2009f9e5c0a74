"""The audit trail page and its exports. Read-only: every view here answers GET alone.

Plain function views over audit.selectors; the filter form turns bad input into form errors.
As in django-htmx's example app, the page renders in full on first load and only its table
partial when htmx asks for it.
"""
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import render
from django.views.decorators.http import require_GET

from audit import export, selectors
from audit.diffs import describe_changes
from audit.trail_forms import TrailFilterForm
from backoffice.permissions import permission_required


@require_GET
@permission_required("audit.view_auditevent")
def trail(request):
    form = TrailFilterForm(request.GET or None)
    page, rows = None, []
    # Nothing is listed under filters that could not be read: a list of every event would
    # pass for the history of the object the manager asked about.
    if not form.is_bound or form.is_valid():
        page = selectors.event_page(form.trail_filters(), request.GET.get("page"))
        rows = [{"event": event, "changes": describe_changes(event.changes)} for event in page.object_list]

    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "query": query.urlencode(),
        "chosen": _chosen_objects(form),
        "filtered": form.trail_filters().any,
    }
    template = "audit/trail.html"
    if request.htmx and not request.htmx.boosted:
        template = "audit/_trail_table.html"
    return render(request, template, context)


@require_GET
@permission_required("audit.export_auditevent")
def trail_export(request, export_format):
    """The filtered trail as a CSV or JSON download, streamed row by row."""
    if export_format not in export.FORMATS:
        raise Http404("Exports are CSV or JSON.")
    form = TrailFilterForm(request.GET)
    if not form.is_valid():
        problems = "; ".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items())
        return HttpResponseBadRequest(f"The export filters are not valid: {problems}", content_type="text/plain")
    return export.streaming_export(selectors.filtered_events(form.trail_filters()), export_format)


def _chosen_objects(form):
    """The objects the trail is narrowed to, in words, for the page heading."""
    if not form.is_bound or not form.is_valid():
        return []
    labels = {"location": "Location", "agent": "Agent", "template": "Template", "rollout": "Rollout", "user": "User"}
    chosen = []
    for name, label in labels.items():
        value = form.cleaned_data.get(name)
        if value is not None:
            text = f"#{value.pk}" if name == "rollout" else (value.get_username() if name == "user" else str(value))
            chosen.append({"label": label, "text": text})
    return chosen
