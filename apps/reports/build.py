"""Building one report (the `reports.build_report` task). The build streams `report.progress` and
`report.ready` (or `report.failed`) to the club's staff stream, each in its own short transaction."""
from __future__ import annotations

import csv
import io
import logging
from datetime import date

from django.db import connection, transaction
from django.utils import timezone

from apps.reports.builders import BUILDERS
from apps.reports.events import report_event_data
from apps.reports.models import Report, ReportLine, ReportStatus
from routing.publisher import publish
from routing.streams import staff_stream

logger = logging.getLogger("padelyzer.reports")

LINE_BATCH = 500
PROGRESS_STEP = 5  # percent between two report.progress events, so a year does not flood the stream


def _publish_state(report: Report, event: str, **extra) -> None:
    with transaction.atomic():
        fields = ["status", "progress", "rows", "error", "started_at", "finished_at", "updated_at"]
        report.save(update_fields=fields)
        publish(staff_stream(report.club_id), event, report_event_data(report, **extra))


class _LineWriter:
    """csv rows -> ReportLine rows in batches: the CSV is never whole in memory."""

    def __init__(self, report: Report):
        self.report = report
        self.n = 0
        self.batch: list[ReportLine] = []
        self.buffer = io.StringIO()
        self.csv = csv.writer(self.buffer, lineterminator="\r\n")

    def writerow(self, values) -> None:
        self.buffer.seek(0)
        self.buffer.truncate()
        self.csv.writerow(values)
        self.batch.append(ReportLine(report=self.report, n=self.n, text=self.buffer.getvalue()))
        self.n += 1
        if len(self.batch) >= LINE_BATCH:
            self.flush()

    def flush(self) -> None:
        if self.batch:
            ReportLine.objects.bulk_create(self.batch)
            self.batch = []


def _try_lock(report_id) -> bool:
    """A session advisory lock: one builder per report; freed if the worker dies with its connection."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", [f"report:{report_id}"])
        return cursor.fetchone()[0]


def _unlock(report_id) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", [f"report:{report_id}"])


def build(report_id) -> str:
    """Build one report. Idempotent: a ready report is left alone; a redelivered task after a crash
    (status still `running`) starts over from scratch; a second copy running at once backs off."""
    if not _try_lock(report_id):
        return "busy"
    try:
        report = Report.objects.select_related("club").filter(pk=report_id).first()
        if report is None or report.status in (ReportStatus.READY, ReportStatus.FAILED):
            return report.status if report else "missing"
        ReportLine.objects.filter(report=report).delete()
        report.status, report.progress, report.rows, report.error = ReportStatus.RUNNING, 0, 0, ""
        report.started_at, report.finished_at = timezone.now(), None
        _publish_state(report, "report.progress")

        def progress(fraction: float) -> None:
            percent = min(99, int(fraction * 100))
            if percent >= report.progress + PROGRESS_STEP:
                report.progress = percent
                _publish_state(report, "report.progress")

        writer = _LineWriter(report)
        try:
            BUILDERS[report.kind](report.club, date.fromisoformat(report.params["date_from"]),
                                  date.fromisoformat(report.params["date_to"]), writer.writerow, progress)
            writer.flush()
        except Exception as exc:
            logger.exception("report %s failed", report.pk)
            ReportLine.objects.filter(report=report).delete()
            report.status, report.error = ReportStatus.FAILED, f"{exc.__class__.__name__}"
            report.finished_at = timezone.now()
            _publish_state(report, "report.failed")
            raise
        report.status, report.progress, report.rows = ReportStatus.READY, 100, max(writer.n - 1, 0)
        report.finished_at = timezone.now()
        _publish_state(report, "report.ready", rows=report.rows,
                       download=f"/api/v1/reports/{report.pk}/download/")
        return ReportStatus.READY
    finally:
        _unlock(report_id)
