"""Measure the memory and time of exporting the whole audit trail, through the real view.

    .venv/bin/python manage.py seed_audit_events 1000000
    .venv/bin/python manage.py measure_export --format csv

The export runs exactly as a download would: a GET request goes to audit.trail_views.trail_export,
and the StreamingHttpResponse's pieces are written to /dev/null as a server would send them.
Reported: tracemalloc's peak of Python allocations during the export, the process's peak
resident memory (getrusage maxrss) before and after, rows, bytes and time. Run one format per
process for a clean maxrss: it is a high-water mark of the whole process.
"""
import resource
import time
import tracemalloc

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.test import RequestFactory
from django.urls import reverse

from audit import trail_views
from audit.models import AuditEvent


def _maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


class Command(BaseCommand):
    help = "Export every audit event through the streaming view to /dev/null and report peak memory."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=("csv", "json"), default="csv", dest="export_format")
        parser.add_argument("--no-tracemalloc", action="store_true",
                            help="Time the export without tracemalloc's overhead (maxrss is still reported).")

    def handle(self, *args, export_format, no_tracemalloc, **options):
        events = AuditEvent.objects.count()
        request = RequestFactory().get(reverse("audit:trail_export", args=[export_format]))
        # An unsaved superuser: passes the login and permission checks without a database row
        # (a superuser's has_perm answers before looking up any permission).
        request.user = get_user_model()(username="measure-export", is_active=True, is_superuser=True)

        rss_before = _maxrss_mib()
        if not no_tracemalloc:
            tracemalloc.start()
        started = time.perf_counter()
        response = trail_views.trail_export(request, export_format=export_format)
        written = 0
        with open("/dev/null", "wb") as sink:
            for piece in response.streaming_content:
                written += len(piece)
                sink.write(piece)
        response.close()
        elapsed = time.perf_counter() - started
        peak = None
        if not no_tracemalloc:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        rss_after = _maxrss_mib()

        self.stdout.write(f"format: {export_format} ({type(response).__name__})")
        self.stdout.write(f"events exported: {events:,}")
        self.stdout.write(f"bytes written: {written:,} ({written / 2**20:.1f} MiB)")
        self.stdout.write(f"time: {elapsed:.1f} s{'' if no_tracemalloc else ' (with tracemalloc on)'}")
        if peak is not None:
            self.stdout.write(f"tracemalloc peak during export: {peak / 2**20:.2f} MiB")
        self.stdout.write(f"maxrss before export: {rss_before:.1f} MiB, after: {rss_after:.1f} MiB "
                          f"(growth {rss_after - rss_before:.1f} MiB)")
