import re
from datetime import time
from zoneinfo import available_timezones

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.response import Response

from apps.clubs import selectors, services
from apps.clubs.models import Club, Court, DisplayKey, MaintenanceBlock, OpeningHours, PricingRule
from apps.core.envelope import enveloped_response
from apps.core.fields import ClubLocalAwareDateTimeField
from apps.core.permissions import ReadOpenMixin
from apps.core.tenancy import TenantFilterSet, TenantScopedMixin
from apps.organizations.models import Organization
from apps.organizations.selectors import organization_list_administered
from apps.organizations.services import unique_slug

_TIMEZONES = frozenset(available_timezones())
_CURRENCY = re.compile(r"^[A-Z]{3}$")
MIDNIGHT = time(0, 0)


class ScopedClubField(serializers.PrimaryKeyRelatedField):
    """Only clubs the caller may write to; any other id reads as 'does not exist' (400)."""

    def get_queryset(self):
        return selectors.club_list_staffed(self.context["scope"])


class ScopedCourtField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return selectors.court_list_staffed(self.context["scope"])


class OpeningHoursSerializer(serializers.ModelSerializer):
    weekday = serializers.IntegerField(min_value=0, max_value=6)
    opens = serializers.TimeField(format="%H:%M")
    closes = serializers.TimeField(format="%H:%M")

    class Meta:
        model = OpeningHours
        fields = ["weekday", "opens", "closes"]

    def validate(self, attrs):
        if attrs["closes"] != MIDNIGHT and attrs["closes"] <= attrs["opens"]:
            raise serializers.ValidationError({"closes": "closes must be after opens (00:00 means midnight)"})
        return attrs


class ClubSerializer(serializers.ModelSerializer):
    organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.none())
    opening_hours = OpeningHoursSerializer(many=True, required=False)
    slug = serializers.SlugField(max_length=140, required=False)
    default_price_per_hour = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=0,
                                                      coerce_to_string=True, required=False)

    class Meta:
        model = Club
        fields = ["id", "organization", "name", "slug", "timezone", "currency", "is_public", "opening_hours",
                  "slot_minutes", "min_duration_minutes", "max_duration_minutes", "booking_horizon_days",
                  "cancellation_deadline_hours", "default_price_per_hour", "requires_online_payment",
                  "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {"slug": {"validators": []}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        scope = self.context.get("scope")
        if scope is not None:
            self.fields["organization"].queryset = organization_list_administered(scope)
        if self.instance is not None and not isinstance(self.instance, (list, tuple)) and hasattr(self.instance, "pk"):
            self.fields["organization"].read_only = True

    def validate_timezone(self, value):
        if value not in _TIMEZONES:
            raise serializers.ValidationError("Unknown IANA timezone, e.g. Europe/Madrid")
        return value

    def validate_currency(self, value):
        value = value.upper()
        if not _CURRENCY.match(value):
            raise serializers.ValidationError("Use an ISO 4217 code such as EUR or MXN")
        return value

    def validate_slug(self, value):
        editing = self.instance is not None and hasattr(self.instance, "pk")
        if selectors.club_slug_taken(value, exclude_pk=self.instance.pk if editing else None):
            raise serializers.ValidationError("That slug is already in use")
        return value

    def validate_opening_hours(self, rows):
        by_day: dict[int, list] = {}
        for row in rows:
            by_day.setdefault(row["weekday"], []).append(row)
        for weekday, day_rows in by_day.items():
            day_rows.sort(key=lambda r: r["opens"])
            for before, after in zip(day_rows, day_rows[1:], strict=False):
                if before["closes"] == MIDNIGHT or after["opens"] < before["closes"]:
                    raise serializers.ValidationError(f"Opening intervals overlap on weekday {weekday}")
        return rows

    def validate(self, attrs):
        def get(name):  # the new value, else the club's, else the model default (0 is a value, not "unset")
            if name in attrs:
                return attrs[name]
            if self.instance is not None and hasattr(self.instance, "pk"):
                return getattr(self.instance, name)
            return Club._meta.get_field(name).default

        slot, lo, hi = get("slot_minutes"), get("min_duration_minutes"), get("max_duration_minutes")
        errors = {}
        if slot < 5 or slot > 240 or 1440 % slot:
            errors["slot_minutes"] = ["slot_minutes must divide a day, between 5 and 240"]
        elif lo < slot:
            errors["min_duration_minutes"] = ["A booking lasts at least one slot"]
        elif lo % slot or hi % slot:
            errors["min_duration_minutes"] = ["Durations must be multiples of slot_minutes"]
        if lo > hi:
            errors["max_duration_minutes"] = ["max_duration_minutes must be at least min_duration_minutes"]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


# Anyone reads (public clubs, by the tenant rule); signed-in users create and patch; nothing is deleted.
# A comment, not a docstring: drf-spectacular would print a docstring as every operation's description.
class PublicReadMixin(ReadOpenMixin):
    http_method_names = ["get", "post", "patch", "head", "options"]


class ClubViewSet(PublicReadMixin, TenantScopedMixin, mixins.CreateModelMixin, mixins.ListModelMixin,
                  mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet):
    queryset = selectors.club_list()
    serializer_class = ClubSerializer
    club_lookup = ""
    public_read = True
    write_requires_owner = True
    filterset_fields = ["organization", "slug"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.setdefault("slug", unique_slug(Club, data["name"]))
        serializer.instance = services.club_create(**data)

    def perform_update(self, serializer):
        serializer.instance = services.club_update(club=serializer.instance, **serializer.validated_data)


class CourtSerializer(serializers.ModelSerializer):
    club = ScopedClubField()

    class Meta:
        model = Court
        fields = ["id", "club", "name", "indoor", "surface", "is_active", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
        validators: list = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance is not None and hasattr(self.instance, "pk"):
            self.fields["club"].read_only = True

    def validate(self, attrs):
        club = attrs.get("club") or getattr(self.instance, "club", None)
        name = attrs.get("name")
        if club is not None and name:
            editing = self.instance is not None and hasattr(self.instance, "pk")
            if selectors.court_name_taken(club=club, name=name, exclude_pk=self.instance.pk if editing else None):
                raise serializers.ValidationError({"name": ["This club already has a court with that name"]})
        return attrs


class CourtViewSet(PublicReadMixin, TenantScopedMixin, mixins.CreateModelMixin, mixins.ListModelMixin,
                   mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet):
    queryset = selectors.court_list()
    serializer_class = CourtSerializer
    public_read = True
    filterset_fields = ["club", "is_active"]

    def perform_create(self, serializer):
        serializer.instance = services.court_create(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.court_update(court=serializer.instance, **serializer.validated_data)


class PricingRuleSerializer(serializers.ModelSerializer):
    club = ScopedClubField()
    court = ScopedCourtField(required=False, allow_null=True)
    weekdays = serializers.ListField(child=serializers.IntegerField(min_value=0, max_value=6),
                                     min_length=1, max_length=7)
    start_time = serializers.TimeField(format="%H:%M")
    end_time = serializers.TimeField(format="%H:%M")
    price_per_hour = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=0)

    class Meta:
        model = PricingRule
        fields = ["id", "club", "court", "weekdays", "start_time", "end_time", "price_per_hour", "priority",
                  "created_at"]
        read_only_fields = ["id", "created_at"]

    def validate(self, attrs):
        court = attrs.get("court")
        if court is not None and court.club_id != attrs["club"].pk:
            raise serializers.ValidationError({"court": ["That court belongs to another club"]})
        if attrs["end_time"] != MIDNIGHT and attrs["end_time"] <= attrs["start_time"]:
            raise serializers.ValidationError({"end_time": ["end_time must be after start_time (00:00 = midnight)"]})
        return attrs


class PricingRuleViewSet(TenantScopedMixin, mixins.CreateModelMixin, mixins.ListModelMixin,
                         mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    queryset = selectors.pricing_rule_list()
    serializer_class = PricingRuleSerializer
    filterset_fields = ["club", "court"]

    def perform_create(self, serializer):
        serializer.instance = services.pricing_rule_create(**serializer.validated_data)

    def destroy(self, request, *args, **kwargs):
        self.get_object().delete()
        return _deleted("Pricing rule deleted")


class MaintenanceBlockSerializer(serializers.ModelSerializer):
    court = ScopedCourtField()
    club = serializers.UUIDField(source="court.club_id", read_only=True)
    # `start`/`end` are the period's bounds (CourtAllocation properties), shown in club time.
    start = ClubLocalAwareDateTimeField()
    end = ClubLocalAwareDateTimeField()

    class Meta:
        model = MaintenanceBlock
        fields = ["id", "court", "club", "start", "end", "reason", "status", "created_at"]
        read_only_fields = ["id", "status", "created_at"]


class MaintenanceBlockFilter(TenantFilterSet):
    club = django_filters.UUIDFilter(field_name="court__club")
    # Blocks still running or ahead at this instant (the staff dashboard lists today's and later).
    ends_after = django_filters.IsoDateTimeFilter(field_name="period", lookup_expr="endswith__gt")

    class Meta:
        model = MaintenanceBlock
        fields = ["court", "club"]


class MaintenanceBlockViewSet(TenantScopedMixin, mixins.CreateModelMixin, mixins.ListModelMixin,
                              mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    queryset = selectors.maintenance_block_list()
    serializer_class = MaintenanceBlockSerializer
    club_lookup = "court__club"
    filterset_class = MaintenanceBlockFilter

    def perform_create(self, serializer):
        serializer.instance = services.maintenance_block_create(user=self.request.user, **serializer.validated_data)

    def destroy(self, request, *args, **kwargs):
        services.maintenance_block_delete(block=self.get_object())
        return _deleted("Maintenance block removed")


class DisplayKeySerializer(serializers.ModelSerializer):
    club = ScopedClubField()

    class Meta:
        model = DisplayKey
        fields = ["id", "club", "name", "key_prefix", "created_at", "revoked_at"]
        read_only_fields = ["id", "key_prefix", "created_at", "revoked_at"]


class DisplayKeyCreatedSerializer(DisplayKeySerializer):
    key = serializers.CharField(read_only=True, help_text="Shown only in this answer")

    class Meta(DisplayKeySerializer.Meta):
        fields = DisplayKeySerializer.Meta.fields + ["key"]


class DisplayKeyViewSet(TenantScopedMixin, mixins.CreateModelMixin, mixins.ListModelMixin,
                        mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    queryset = selectors.display_key_list()
    serializer_class = DisplayKeySerializer
    filterset_fields = ["club"]

    @extend_schema(responses={201: DisplayKeyCreatedSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        key, raw = services.display_key_create(user=request.user, **serializer.validated_data)
        data = DisplayKeySerializer(key).data
        data["key"] = raw
        return enveloped_response(data, "Display key created; copy it now, it is not shown again", status=201)

    def destroy(self, request, *args, **kwargs):
        services.display_key_revoke(key=self.get_object())
        return _deleted("Display key revoked")


def _deleted(message: str) -> Response:
    return enveloped_response(None, message)
