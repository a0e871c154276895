from django.conf import settings
from django.db import models

from apps.core.models import BaseModel


class ReportKind(models.TextChoices):
    OCCUPANCY = "occupancy"
    REVENUE = "revenue"


class ReportStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    READY = "ready"
    FAILED = "failed"


ACTIVE_STATUSES = (ReportStatus.QUEUED, ReportStatus.RUNNING)


class Report(BaseModel):
    """A requested report; its CSV is stored line by line in ReportLine (no shared disk needed
    between the worker that builds it and the web process that serves it)."""

    club = models.ForeignKey("clubs.Club", on_delete=models.CASCADE, related_name="reports")
    kind = models.CharField(max_length=16, choices=ReportKind.choices)
    params = models.JSONField()  # {"date_from": "YYYY-MM-DD", "date_to": "YYYY-MM-DD"}
    status = models.CharField(max_length=16, choices=ReportStatus.choices, default=ReportStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    rows = models.PositiveIntegerField(default=0)  # data lines in the CSV, header excluded
    error = models.TextField(blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="+")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="report_progress_max_100"),
        ]


class ReportLine(models.Model):
    """One CSV line (with its line break); line 0 is the header."""

    id = models.BigAutoField(primary_key=True)
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="lines")
    n = models.PositiveIntegerField()
    text = models.TextField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["report", "n"], name="report_line_unique")]
