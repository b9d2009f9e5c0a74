"""Who may do what: the view decorator every page uses, and the admin's action permissions.

The roles themselves are groups created by backoffice/migrations/0001_roles.py (Manager,
Approver, Viewer); a user gets a role by being put in its group (README, "Roles"). Pages hide
the buttons a user cannot use, but these server-side checks are what counts.
"""
from functools import wraps

from django.contrib.admin import helpers
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError

MANAGER, APPROVER, VIEWER = "Manager", "Approver", "Viewer"
ROLES = (MANAGER, APPROVER, VIEWER)


def permission_required(*perms, post=()):
    """Log in first (anonymous users are sent to the login page), then `perms` on every request,
    and `post` as well on POST: a page a Viewer may read whose form only a Manager may submit.

    A user without them gets the 403 page, not a login loop. Put it under require_POST and
    friends, so a GET to a POST-only endpoint stays a 405 for everyone.
    """
    post = (post,) if isinstance(post, str) else tuple(post)

    def decorator(view):
        @wraps(view)
        def checked(request, *args, **kwargs):
            needed = perms + (post if request.method == "POST" else ())
            if not request.user.has_perms(needed):
                raise PermissionDenied("Your role does not allow this.")
            return view(request, *args, **kwargs)

        return login_required(checked)

    return decorator


class SelectedIdsChecked:
    """A changelist action runs on the posted rows whose ids are ids of this model.

    Django filters `pk__in` with the posted `_selected_action` values as they come: one that is
    no id ("abc", "1.5", "²") raised ValueError, a 500. Those are dropped first; with none left,
    the admin says that no items were selected.
    """

    def response_action(self, request, queryset):
        posted = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        ids = [value for value in posted if _is_id_of(self.model, value)]
        if len(ids) != len(posted):
            request.POST = request.POST.copy()
            request.POST.setlist(helpers.ACTION_CHECKBOX_NAME, ids)
        return super().response_action(request, queryset)


def _is_id_of(model, value) -> bool:
    try:
        model._meta.pk.to_python(value)
    except ValidationError:
        return False
    return True


class AdminActionPermissions(SelectedIdsChecked):
    """`has_<name>_permission` methods for admin actions declared with
    `@admin.action(permissions=[<name>])`: the admin offers (and runs) an action only for users
    whose role allows it, on rows that exist (SelectedIdsChecked)."""

    def has_sync_location_permission(self, request):
        return request.user.has_perm("agents.sync_location")

    def has_run_rollout_permission(self, request):
        return request.user.has_perm("agents.run_rollout")

    def has_request_deletion_permission(self, request):
        return request.user.has_perm("audit.request_deletion")

    def has_import_locations_permission(self, request):
        return request.user.has_perm("agents.add_location")


class ReadOnlyAdminMixin:
    """For rows that only the system writes: viewable, never added, changed or deleted by hand."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
