"""Pages of the install: the agency connections with the "Connect HighLevel" button, and its return."""
from django.conf import settings
from django.contrib import messages
from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from agents.models import AgencyConnection
from backoffice.permissions import permission_required
from install import oauth


@require_GET
@permission_required("agents.view_agencyconnection")
def connection_list(request):
    connections = AgencyConnection.objects.annotate(location_count=Count("locations")).order_by("name", "pk")
    return render(request, "install/connection_list.html", {"connections": connections})


@require_GET
@permission_required("agents.add_agencyconnection")
def connect_start(request):
    """To HighLevel's authorization page. A link, not a form: the page's Content-Security-Policy lets
    forms post only to this site, and the browser applies that to a form's redirects as well."""
    try:
        return redirect(oauth.start(request.session, _redirect_uri(request)))
    except oauth.InstallRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("install:connection_list")


@require_GET
@permission_required("agents.add_agencyconnection")
def connect_done(request):
    """Where HighLevel sends the browser back, with a code (or an error) and our state."""
    try:
        connected = oauth.finish(request.session, request.GET, user=request.user)
    except oauth.InstallRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("install:connection_list")
    imported = connected.locations
    verb = "connected" if connected.created else "reconnected"
    text = f"{connected.connection.name} is {verb}: {len(imported.names)} location{'s' if len(imported.names) != 1 else ''}"
    if imported.names:
        text += " (" + ", ".join(imported.names[:10]) + (", …" if len(imported.names) > 10 else "") + ")"
    text += f", {imported.created} of them new."
    messages.success(request, text)
    return redirect("install:connection_list")


def _redirect_uri(request) -> str:
    # Behind a proxy that rewrites hosts, the address registered with the app is set outright.
    return settings.HIGHLEVEL_OAUTH_REDIRECT_URL or request.build_absolute_uri(reverse("install:connect_done"))
