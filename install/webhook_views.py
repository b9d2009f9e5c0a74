"""The webhook endpoint HighLevel posts to, and the pages that show every delivery."""
import json

from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from backoffice.paging import CappedPaginator
from backoffice.permissions import permission_required
from install import webhooks
from install.models import WebhookDelivery

DELIVERIES_PER_PAGE = 50
VERDICT_FILTERS = [("accepted", "accepted"), ("bad_signature", "forged"), ("malformed", "malformed"),
                   ("stale", "stale"), ("replayed", "replayed"), ("too_large", "too large")]


@csrf_exempt  # HighLevel signs its posts; it has no CSRF token to send
@require_POST
def webhook(request):
    try:
        raw = request.body
    except RequestDataTooBig:
        status, answer, _delivery = webhooks.refuse_too_large()
    else:
        status, answer, _delivery = webhooks.receive(raw, request.headers)
    return JsonResponse(answer, status=status)


@require_GET
@permission_required("install.view_webhookdelivery")
def delivery_list(request):
    deliveries = WebhookDelivery.objects.only(
        "received_at", "verdict", "status_code", "event_type", "company_id", "location_hl_id", "outcome",
        "outcome_message")
    verdict = request.GET.get("verdict", "")
    if verdict in WebhookDelivery.Verdict.values:
        deliveries = deliveries.filter(verdict=verdict)
    # Forged posts are kept too, so the list can grow large: counted up to a cap, as the trail is.
    page = CappedPaginator(deliveries, DELIVERIES_PER_PAGE).get_page(request.GET.get("page"))
    names = _location_names(delivery.location_hl_id for delivery in page.object_list)
    rows = [(delivery, names.get(delivery.location_hl_id, "")) for delivery in page.object_list]
    return render(request, "install/delivery_list.html", {
        "page": page, "rows": rows, "verdict": verdict, "verdicts": VERDICT_FILTERS,
        "query": f"verdict={verdict}" if verdict else "",
    })


@require_GET
@permission_required("install.view_webhookdelivery")
def delivery_detail(request, delivery_id):
    delivery = get_object_or_404(WebhookDelivery, pk=delivery_id)
    try:
        body = json.dumps(json.loads(delivery.body), indent=2, ensure_ascii=False)
    except (ValueError, RecursionError):
        body = delivery.body
    location_name = _location_names([delivery.location_hl_id]).get(delivery.location_hl_id, "")
    return render(request, "install/delivery_detail.html",
                  {"delivery": delivery, "body": body, "location_name": location_name})


def _location_names(hl_ids) -> dict:
    from agents.models import Location

    wanted = {hl_id for hl_id in hl_ids if hl_id}
    return dict(Location.objects.filter(hl_id__in=wanted).values_list("hl_id", "name")) if wanted else {}
