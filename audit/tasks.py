"""django-q2 entry points for the audit app. Thin on purpose: call a service."""
from audit import deletion


def purge_due_deletions() -> str:
    """The periodic job: send the real DELETE for approved deletions past their retention window."""
    counts = deletion.purge_due()
    return ", ".join(f"{count} {what}" for what, count in counts.items())
