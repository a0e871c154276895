"""Report events of staff streams (CONTRACT §3: `report.progress`, `report.ready`,
`report.failed`): one builder for the three, and their schemas (routing.schemas)."""
from __future__ import annotations

from apps.reports.models import Report, ReportKind, ReportStatus
from routing.schemas import UUID, EventType, enum, obj
from routing.streams import STAFF

DAY = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}


def report_event_data(report: Report, **extra) -> dict:
    """The report's state (and its `date_from`/`date_to`); `report.ready` adds `rows` and `download`."""
    return {"report": str(report.pk), "club": str(report.club_id), "kind": report.kind,
            "status": report.status, "progress": report.progress, **report.params, **extra}


_REPORT = {"report": UUID, "club": UUID, "kind": enum(*ReportKind.values), "status": enum(*ReportStatus.values),
           "progress": {"type": "integer", "minimum": 0, "maximum": 100}, "date_from": DAY, "date_to": DAY}

EVENT_TYPES = [
    EventType("report.progress", (STAFF,), "A report build moved on (`progress` in percent).", report_event_data,
              obj(_REPORT)),
    EventType("report.ready", (STAFF,), "A report is built: `rows` data lines, CSV at `download`.",
              report_event_data,
              obj({**_REPORT, "rows": {"type": "integer"}, "download": {"type": "string"}})),
    EventType("report.failed", (STAFF,), "A report build failed; it can be requested again.", report_event_data,
              obj(_REPORT)),
]
