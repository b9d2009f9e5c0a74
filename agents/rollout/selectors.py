"""Rollout reads for the pages and the CLI. Constant query counts, whatever the number of targets."""
from django.db.models import Count, Sum
from django.utils import timezone

from agents.models import Agent, Rollout, RolloutTarget

from .planner import OUTCOME_LABELS, describe_counts

TargetStatus = RolloutTarget.Status
# A target in one of these will not change any more (unless retried).
TERMINAL = (TargetStatus.SUCCEEDED, TargetStatus.UNCHANGED, TargetStatus.FAILED, TargetStatus.SKIPPED, TargetStatus.UNPLANNABLE)
ACTIVE_ROLLOUT = (Rollout.Status.PLANNING, Rollout.Status.RUNNING)


def rollout_progress(rollout: Rollout) -> dict:
    """Counts by status and plan outcome, percent done, steps, HTTP figures and duration (1 query).

    Keys: total, by_status {status: n}, outcomes {create, adopt, update, unchanged, unplannable},
    plan_summary (words), done, percent, steps_done, steps_total, requests_sent, retries, writes,
    failed, is_active (the page keeps polling while true), duration_seconds, status, status_label.
    """
    rows = (
        RolloutTarget.objects.filter(rollout=rollout).order_by().values("status", "outcome")
        .annotate(n=Count("pk"), steps_done=Sum("steps_done"), steps_total=Sum("steps_total"),
                  requests_sent=Sum("requests_sent"), retries=Sum("retries"), writes=Sum("writes"))
    )
    by_status = {status: 0 for status in TargetStatus.values}
    outcomes = {key: 0 for key in OUTCOME_LABELS}
    totals = {"steps_done": 0, "steps_total": 0, "requests_sent": 0, "retries": 0, "writes": 0}
    total = 0
    for row in rows:
        total += row["n"]
        by_status[row["status"]] = by_status.get(row["status"], 0) + row["n"]
        if row["outcome"] in outcomes:
            outcomes[row["outcome"]] += row["n"]
        for key in totals:
            totals[key] += row[key] or 0
    done = sum(by_status.get(status, 0) for status in TERMINAL)
    if rollout.status in (Rollout.Status.PLANNING, Rollout.Status.PLANNED):
        done = 0  # nothing is applied before the confirmation
    return {
        "total": total,
        "by_status": by_status,
        "outcomes": outcomes,
        "plan_summary": describe_counts(outcomes),
        "done": done,
        "percent": round(100 * done / total) if total else 100,
        "failed": by_status.get(TargetStatus.FAILED, 0),
        **totals,
        "is_active": rollout.status in ACTIVE_ROLLOUT,
        "duration_seconds": _duration(rollout),
        "status": rollout.status,
        "status_label": rollout.get_status_display(),
    }


def _duration(rollout: Rollout):
    if not rollout.started_at:
        return None
    end = rollout.finished_at or timezone.now()
    return round((end - rollout.started_at).total_seconds(), 1)


def rollout_targets(rollout: Rollout):
    """The per-target table: location, agent, status, steps, error (one query)."""
    return (
        RolloutTarget.objects.filter(rollout=rollout)
        .select_related("location", "agent")
        .order_by("position", "pk")
    )


def rollouts_of_template(template, limit: int = 20):
    return Rollout.objects.filter(template=template).select_related("created_by").order_by("-created_at")[:limit]


def drifted_agents(*, location=None, template=None):
    """Managed agents that no longer match their template version (set by agents.rollout.drift)."""
    agents = Agent.objects.filter(drifted=True, state=Agent.State.ACTIVE, template__isnull=False)
    if location is not None:
        agents = agents.filter(location=location)
    if template is not None:
        agents = agents.filter(template=template)
    return agents.select_related("location", "template").order_by("location__name", "name")
