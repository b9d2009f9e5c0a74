"""The page django-axes answers with once a username is locked out from an address.

django-axes' own answer is a bare line of text (or JSON to XMLHttpRequest callers); this one is
the back office's login page layout, for /login/ and the admin's login alike, with the cool-off
in minutes and status 429 (Too Many Requests).
"""
from django.conf import settings
from django.shortcuts import render

STATUS = 429


def cooloff_minutes() -> int:
    return max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))


def lockout_response(request, original_response=None, credentials=None):
    # Every refused attempt restarts the cool-off (axes' AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT),
    # so "the whole cool-off from now" is what the person has to wait.
    return render(request, "registration/lockout.html", {"minutes": cooloff_minutes()}, status=STATUS)
