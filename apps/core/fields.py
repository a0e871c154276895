from zoneinfo import ZoneInfo

from rest_framework import serializers

# Every date the API takes lies in these years: far from datetime's edges (year 9999 overflows
# as soon as it is moved to a timezone east of UTC) and far beyond any booking horizon.
FIRST_YEAR, LAST_YEAR = 2000, 2999
_OUT_OF_RANGE = f"Dates run from {FIRST_YEAR} to {LAST_YEAR}."


class BoundedDateField(serializers.DateField):
    """A date input in FIRST_YEAR..LAST_YEAR: a 400 naming the field, never an overflow later."""

    default_error_messages = {"out_of_range": _OUT_OF_RANGE}

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            self.fail("out_of_range")
        return day


class ClubLocalDateTimeField(serializers.DateTimeField):
    """Renders an instant in its club's timezone, with the offset (CONTRACT §1)."""

    def __init__(self, *args, club_tz_attr: str = "court.club.timezone", **kwargs):
        self.club_tz_attr = club_tz_attr
        super().__init__(*args, **kwargs)

    def get_attribute(self, instance):
        value = super().get_attribute(instance)
        target = instance
        for part in self.club_tz_attr.split("."):
            target = getattr(target, part, None)
        self._tz = ZoneInfo(target) if target else None
        return value

    def to_representation(self, value):
        if value is None:
            return None
        tz = getattr(self, "_tz", None)
        return (value.astimezone(tz) if tz else value).isoformat()


class AwareDateTimeField(serializers.DateTimeField):
    """Input must carry an offset: a naive time would be ambiguous across club timezones."""

    default_error_messages = {"naive": "Give the time with an offset, e.g. 2026-11-26T18:00:00-06:00.",
                              "out_of_range": _OUT_OF_RANGE}

    def to_internal_value(self, value):
        if isinstance(value, str) and value and not _has_offset(value):
            self.fail("naive")
        moment = super().to_internal_value(value)
        if not FIRST_YEAR <= moment.year <= LAST_YEAR:  # in UTC: the year no club timezone can push over
            self.fail("out_of_range")
        return moment


def _has_offset(text: str) -> bool:
    tail = text[10:]
    return tail.endswith("Z") or tail.endswith("z") or "+" in tail or "-" in tail


class ClubLocalAwareDateTimeField(AwareDateTimeField, ClubLocalDateTimeField):
    """Read and write in one field: input needs an offset, output is in the club's timezone."""
