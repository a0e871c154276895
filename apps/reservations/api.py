from datetime import date

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from apps.clubs.models import AllocationStatus, Club, Court
from apps.core.envelope import enveloped_response
from apps.core.errors import CoreErrorCode, NotAllowed
from apps.core.fields import AwareDateTimeField, BoundedDateField, ClubLocalDateTimeField
from apps.core.tenancy import TenantScopedMixin, readable
from apps.reservations import selectors, services
from apps.reservations.models import PaymentMode, RefundStatus, Reservation
from apps.reservations.payment_hooks import payments


@extend_schema_field(OpenApiTypes.UUID)
class VisibleCourtField(serializers.PrimaryKeyRelatedField):
    """Courts of clubs the caller can see (public, or theirs); others read as unknown (400)."""

    def get_queryset(self):
        return readable(Court, self.context["scope"]).select_related("club")


class ReservationSerializer(serializers.ModelSerializer):
    club = serializers.UUIDField(source="court.club_id", read_only=True)
    start = ClubLocalDateTimeField(source="period.lower", read_only=True)
    end = ClubLocalDateTimeField(source="period.upper", read_only=True)
    price = serializers.DecimalField(max_digits=10, decimal_places=2, read_only=True)
    payment = serializers.SerializerMethodField()
    player = serializers.SerializerMethodField()
    checked_in_at = ClubLocalDateTimeField(read_only=True, allow_null=True)  # null until check-in (documented)

    class Meta:
        model = Reservation
        fields = ["id", "club", "court", "start", "end", "status", "price", "currency", "payment", "player",
                  "checked_in_at", "created_at"]
        read_only_fields = fields

    def get_payment(self, obj) -> dict:
        due = max(obj.price - obj.paid_amount, 0)
        return {"mode": obj.payment_mode, "paid_amount": f"{obj.paid_amount:.2f}", "amount_due": f"{due:.2f}",
                "hold_expires_at": obj.hold_expires_at.isoformat() if obj.hold_expires_at else None,
                "refund": {"amount": f"{obj.refund_amount:.2f}", "currency": obj.currency,
                           "status": obj.refund_status}}

    def get_player(self, obj) -> dict:
        return {"id": str(obj.user_id), "name": obj.user.full_name}


class ReservationInput(serializers.Serializer):
    court = VisibleCourtField()
    start = AwareDateTimeField()
    end = AwareDateTimeField()


class CancelOutput(ReservationSerializer):
    refund = serializers.SerializerMethodField()

    class Meta(ReservationSerializer.Meta):
        fields = ReservationSerializer.Meta.fields + ["refund"]

    def get_refund(self, obj) -> dict:
        return {"amount": f"{obj.refund_amount:.2f}", "currency": obj.currency, "status": obj.refund_status}


# Statuses a reservation can have (`blocked` belongs to maintenance blocks only).
RESERVATION_STATUSES = [s for s in AllocationStatus.values if s != AllocationStatus.BLOCKED]


class ReservationViewSet(TenantScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                         viewsets.GenericViewSet):
    """Players see their own; club staff see the club's (`?club=`)."""

    serializer_class = ReservationSerializer
    queryset = Reservation.objects.select_related("court", "court__club", "user")
    club_lookup = "court__club"
    user_lookup = "user"  # the player who booked reads it and may cancel it

    class ListParams(serializers.Serializer):
        club = serializers.UUIDField(required=False,
                                     help_text="club id: staff see all of its reservations")
        status = serializers.ChoiceField(choices=RESERVATION_STATUSES, required=False)
        date = BoundedDateField(required=False, help_text="the club's local date of the start")
        refund_status = serializers.ChoiceField(choices=RefundStatus.choices, required=False,
                                                help_text="`pending`: refunds decided and not given yet")
        payment_mode = serializers.ChoiceField(choices=PaymentMode.choices, required=False)

    @extend_schema(parameters=[ListParams])
    def list(self, request, *args, **kwargs):
        params = self.ListParams(data=request.query_params)
        params.is_valid(raise_exception=True)  # a bad value is a 400 naming the parameter
        qs = self.scoped(selectors.reservation_list(user=request.user, scope=self.scope, **{
            name: params.validated_data.get(key) for name, key in (
                ("club_id", "club"), ("status", "status"), ("day", "date"), ("refund_status", "refund_status"),
                ("payment_mode", "payment_mode"))}))
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request=ReservationInput, responses={201: ReservationSerializer})
    def create(self, request, *args, **kwargs):
        data = ReservationInput(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        reservation = services.reservation_create(user=request.user, **data.validated_data)
        payment = None
        if reservation.status == AllocationStatus.HELD:
            # The hold is committed: create its PaymentIntent now so this answer carries the
            # client_secret (apps.payments.services.checkout_start explains the choice).
            payment = payments.checkout_start(reservation=reservation)
        body = ReservationSerializer(reservation).data
        if payment is not None:
            body["payment"] = payment
        return enveloped_response(body, "Reservation created", status=201)

    @extend_schema(request=None, responses={200: CancelOutput})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        reservation = self.get_object()
        reservation, _refund = services.reservation_cancel(
            reservation=reservation, actor=request.user,
            actor_is_staff=self.scope.is_club_staff(reservation.court.club_id))
        return enveloped_response(CancelOutput(reservation).data, "Reservation cancelled")

    def _desk_reservation(self) -> Reservation:
        """Front-desk actions: club staff only (the player who booked gets 403, anyone else 404)."""
        reservation = self.get_object()
        if not self.scope.is_club_staff(reservation.court.club_id):
            raise NotAllowed(CoreErrorCode.PERMISSION_DENIED, "Only club staff can do this")
        return reservation

    @extend_schema(request=None, responses={200: ReservationSerializer})
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request, pk=None):
        reservation = services.reservation_check_in(reservation=self._desk_reservation(), actor=request.user)
        return enveloped_response(ReservationSerializer(reservation).data, "Checked in")

    @extend_schema(request=None, responses={200: ReservationSerializer})
    @action(detail=True, methods=["post"], url_path="no-show")
    def no_show(self, request, pk=None):
        reservation = services.reservation_mark_no_show(reservation=self._desk_reservation(), actor=request.user)
        return enveloped_response(ReservationSerializer(reservation).data, "Marked as a no-show")


class AvailabilityApi(TenantScopedMixin, GenericAPIView):
    permission_classes = [AllowAny]
    queryset = Club.objects.all()
    club_lookup = ""
    public_read = True

    class Params(serializers.Serializer):
        club = serializers.UUIDField()
        date = BoundedDateField(required=False)

        def validate_date(self, value):
            # The day's edges are computed in local time: year 1 or 9999 would overflow.
            if not date(1970, 1, 1) <= value <= date(2999, 12, 31):
                raise serializers.ValidationError("Give a date between 1970-01-01 and 2999-12-31")
            return value

    @extend_schema(
        parameters=[OpenApiParameter("club", str, required=True), OpenApiParameter("date", date)],
        responses={200: inline_serializer("Availability", {
            "club": serializers.UUIDField(), "date": serializers.DateField(), "timezone": serializers.CharField(),
            "currency": serializers.CharField(), "slot_minutes": serializers.IntegerField(),
            "seq": serializers.IntegerField(),
            "courts": serializers.ListField(child=serializers.DictField())})},
    )
    def get(self, request):
        params = self.Params(data=request.query_params)
        params.is_valid(raise_exception=True)
        club = get_object_or_404(self.get_queryset(), pk=params.validated_data["club"])
        day = params.validated_data.get("date") or selectors.club_today(club)
        return Response(selectors.availability_for(club=club, day=day))
