"""Requesting reports: the request enqueues the build (apps/reports/build.py) after commit."""
from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from apps.core.errors import InvalidInput
from apps.reports import tasks
from apps.reports.errors import ReportErrorCode
from apps.reports.lock_objects import club_qs_select_for_update
from apps.reports.models import ACTIVE_STATUSES, Report

MAX_RANGE_DAYS = 366
STALE_AFTER = timedelta(minutes=10)  # a queued/running report untouched this long lost its task


def request_report(*, club, kind: str, date_from: date, date_to: date, user) -> Report:
    """Queue a report (the build runs after commit, on the analytics queue). The same report already
    queued or running is answered instead of starting a second build."""
    if date_to < date_from:
        raise InvalidInput(ReportErrorCode.INVALID_DATE_RANGE, "date_to must not be before date_from",
                           details={"date_to": ["date_to must not be before date_from"]})
    if (date_to - date_from).days + 1 > MAX_RANGE_DAYS:
        message = f"A report covers at most {MAX_RANGE_DAYS} days"
        raise InvalidInput(ReportErrorCode.INVALID_DATE_RANGE, message, details={"date_to": [message]})
    params = {"date_from": date_from.isoformat(), "date_to": date_to.isoformat()}
    with transaction.atomic():
        # Serialise requests of one club so two identical clicks make one report.
        list(club_qs_select_for_update().filter(pk=club.pk).values_list("pk", flat=True))
        existing = Report.objects.filter(club=club, kind=kind, params=params, status__in=ACTIVE_STATUSES).first()
        if existing:
            if existing.updated_at < timezone.now() - STALE_AFTER:
                # Its task was lost (broker down at commit, worker gone): send it again; build() is
                # idempotent and its lock keeps a late original from running alongside.
                transaction.on_commit(lambda: tasks.build_report.delay(str(existing.pk)), robust=True)
            return existing
        report = Report.objects.create(club=club, kind=kind, params=params, created_by=user)
        transaction.on_commit(lambda: tasks.build_report.delay(str(report.pk)), robust=True)
    return report


def csv_filename(report: Report) -> str:
    return f"padelyzer-{report.kind}-{report.club.slug}-{report.params['date_from']}-{report.params['date_to']}.csv"
