"""Where a `next` may send someone: a path of this site, nothing else.

Django's own check (`url_has_allowed_host_and_scheme`) keeps redirects on the site but lets a
relative `next` through ("%ff", "²", "javascript" without its colon), which then lands on some
address under the current page. Our pages only ever put an absolute path of ours in `next`
(`request.get_full_path`), so anything else is ignored and the view's default is used instead.
"""
import unicodedata

from django.contrib.auth import views as auth_views
from django.utils.http import url_has_allowed_host_and_scheme

NEXT_MAX_CHARS = 2000  # as the query guard's cap on any value: our paths are far shorter


def safe_next(request, url) -> str:
    """`url` when it is a path of this site; "" otherwise."""
    if not isinstance(url, str) or not url.startswith("/") or url.startswith(("//", "/\\")):
        return ""
    if len(url) > NEXT_MAX_CHARS or any(unicodedata.category(char)[0] == "C" for char in url):
        return ""  # control characters (NUL, CR, LF, tab) have no place in a path we wrote
    if not url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return ""
    return url


class PathOnlyNextMixin:
    """For Django's auth views: `next` (from the form or the address) is followed only when it is
    a path of this site; the page's hidden `next` field is left empty otherwise."""

    def get_redirect_url(self):
        return safe_next(self.request, super().get_redirect_url())


class LoginView(PathOnlyNextMixin, auth_views.LoginView):
    pass


class LogoutView(PathOnlyNextMixin, auth_views.LogoutView):
    pass
