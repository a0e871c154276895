from celery import shared_task

from apps.reports.build import build


@shared_task(name="reports.build_report")
def build_report(report_id: str) -> str:
    """Not retried: a failure marks the report failed (and reaches Sentry); staff ask again."""
    return build(report_id)
