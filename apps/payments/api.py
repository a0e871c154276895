"""Payments endpoints (under /api/v1/): checkout, split shares, pay links, desk payments."""
from __future__ import annotations

from decimal import Decimal

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.metadata import SimpleMetadata
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.envelope import enveloped_response
from apps.core.errors import NotAllowed
from apps.core.tenancy import TenantScopedMixin
from apps.payments import selectors, services
from apps.payments.errors import PaymentErrorCode
from apps.reservations.models import Reservation

PaymentObject = inline_serializer("PaymentCheckout", {
    "mode": serializers.CharField(), "status": serializers.CharField(), "payment_id": serializers.UUIDField(),
    "client_secret": serializers.CharField(allow_null=True), "publishable_key": serializers.CharField(allow_null=True),
    "hold_expires_at": serializers.DateTimeField(allow_null=True), "amount_due": serializers.DecimalField(10, 2),
    "paid_amount": serializers.DecimalField(10, 2), "currency": serializers.CharField()})


class _NoBodyMetadata(SimpleMetadata):
    """OPTIONS as for a plain APIView: these views have no serializer_class to describe."""

    def determine_actions(self, request, view):
        return {}


# A booking by its id: its player and the club's staff see it, anyone else gets 404.
# (A comment, not a docstring: views without their own would show it in the schema.)
class _BookingApi(TenantScopedMixin, GenericAPIView):
    queryset = Reservation.objects.select_related("court", "court__club", "user")
    metadata_class = _NoBodyMetadata
    club_lookup = "court__club"
    user_lookup = "user"
    only: str | None = None  # "player" or "staff": which of the two may use this endpoint

    def booking(self) -> Reservation:
        reservation = self.get_object()
        if self.only == "player" and reservation.user_id != self.scope.user_id:
            raise NotAllowed(PaymentErrorCode.PERMISSION_DENIED, "Only the player who booked can pay this booking")
        if self.only == "staff" and not self.scope.is_club_staff(reservation.court.club_id):
            raise NotAllowed(PaymentErrorCode.PERMISSION_DENIED, "Only club staff can record desk payments and refunds")
        return reservation


class PaymentSummaryApi(_BookingApi):
    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request, pk):
        reservation = self.booking()
        return Response(selectors.payment_summary(reservation, with_links=True))


class CheckoutApi(_BookingApi):
    """The owner's PaymentIntent for a held booking (created once; asking again is safe)."""

    only = "player"

    @extend_schema(request=None, responses={200: PaymentObject})
    def post(self, request, pk):
        reservation = self.booking()
        return Response(services.checkout_resume(reservation=reservation))


class SplitInput(serializers.Serializer):
    class Player(serializers.Serializer):
        name = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
        email = serializers.EmailField(required=False, allow_blank=True, default="")

    count = serializers.IntegerField(min_value=2, max_value=8, required=False)
    players = Player(many=True, required=False)

    def validate(self, attrs):
        players = attrs.get("players")
        count = attrs.get("count")
        if players is None and count is None:
            raise serializers.ValidationError({"count": ["Give count (2-8) or players"]})
        if players is not None and not 2 <= len(players) <= 8:
            raise serializers.ValidationError({"players": ["Between 2 and 8 players"]})
        if players is not None and count is not None and count != len(players):
            raise serializers.ValidationError({"count": ["count must equal the number of players"]})
        attrs["players"] = players if players is not None else [{} for _ in range(count)]
        return attrs


class SplitApi(_BookingApi):
    """Split a held booking into one share per player, each paid through its own link."""

    only = "player"

    @extend_schema(request=SplitInput, responses={201: OpenApiTypes.OBJECT})
    def post(self, request, pk):
        reservation = self.booking()
        data = SplitInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.split_create(reservation_id=reservation.pk, players=data.validated_data["players"])
        reservation.refresh_from_db()
        return enveloped_response(selectors.payment_summary(reservation, with_links=True), "Payment split",
                                  status=201)


class PayLinkApi(APIView):
    """A player's pay link: anyone holding the link may pay that share."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request, token):
        return Response(services.share_checkout_get(token=token))


class MarkPaidInput(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=Decimal("0.01"), required=False)


class MarkPaidApi(_BookingApi):
    """POST reservations/reservations/{id}/mark-paid/: staff took the money at the desk."""

    only = "staff"

    @extend_schema(request=MarkPaidInput, responses={200: OpenApiTypes.OBJECT})
    def post(self, request, pk):
        reservation = self.booking()
        data = MarkPaidInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.desk_payment_record(reservation_id=reservation.pk, actor=request.user,
                                     amount=data.validated_data.get("amount"))
        reservation.refresh_from_db()
        return enveloped_response(selectors.payment_summary(reservation, with_links=False), "Payment recorded")


class RefundAtDeskApi(_BookingApi):
    """POST reservations/reservations/{id}/refund-at-desk/: staff handed back a cancelled
    pay-at-club booking's refund (the amount the cancellation decided)."""

    only = "staff"

    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
    def post(self, request, pk):
        reservation = self.booking()
        services.desk_refund_record(reservation_id=reservation.pk, actor=request.user)
        reservation.refresh_from_db()
        return enveloped_response(selectors.payment_summary(reservation, with_links=False), "Refund recorded")
