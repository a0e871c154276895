from enum import StrEnum


class ReportErrorCode(StrEnum):
    INVALID_DATE_RANGE = "invalid_date_range"
    REPORT_NOT_READY = "report_not_ready"
