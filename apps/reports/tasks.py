from celery import shared_task

from apps.reports import services


@shared_task(name="reports.build_report")
def build_report(report_id: str) -> str:
    """Not retried: a failure marks the report failed (and reaches Sentry); staff ask again."""
    return services.build(report_id)
