"""Payments endpoints (under /api/v1/): checkout, split shares, pay links, desk payments."""
from __future__ import annotations

from decimal import Decimal

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.errors import NotAllowed, NotFound
from apps.core.tenancy import tenant_scope
from apps.payments import selectors, services
from apps.reservations.models import Reservation

PaymentObject = inline_serializer("PaymentCheckout", {
    "mode": serializers.CharField(), "status": serializers.CharField(), "payment_id": serializers.UUIDField(),
    "client_secret": serializers.CharField(allow_null=True), "publishable_key": serializers.CharField(allow_null=True),
    "hold_expires_at": serializers.DateTimeField(allow_null=True), "amount_due": serializers.DecimalField(10, 2),
    "paid_amount": serializers.DecimalField(10, 2), "currency": serializers.CharField()})


def _reservation_for(request, pk, *, owner_only=False, staff_only=False) -> Reservation:
    """Owner and club staff see a booking; anyone else gets 404 (existence is not revealed)."""
    reservation = Reservation.objects.select_related("court", "court__club", "user").filter(pk=pk).first()
    scope = tenant_scope(request)
    if reservation is None:
        raise NotFound("not_found", "Not found")
    is_owner = reservation.user_id == request.user.pk
    is_staff = scope.is_club_staff(reservation.court.club_id)
    if not (is_owner or is_staff):
        raise NotFound("not_found", "Not found")
    if owner_only and not is_owner:
        raise NotAllowed("permission_denied", "Only the player who booked can pay this booking")
    if staff_only and not is_staff:
        raise NotAllowed("permission_denied", "Only club staff can record desk payments and refunds")
    return reservation


class PaymentSummaryApi(APIView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request, pk):
        reservation = _reservation_for(request, pk)
        return Response(selectors.payment_summary(reservation, with_links=True))


class CheckoutApi(APIView):
    """The owner's PaymentIntent for a held booking (created once; asking again is safe)."""

    @extend_schema(request=None, responses={200: PaymentObject})
    def post(self, request, pk):
        reservation = _reservation_for(request, pk, owner_only=True)
        return Response(services.checkout_for(reservation))


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


class SplitApi(APIView):
    """Split a held booking into one share per player, each paid through its own link."""

    @extend_schema(request=SplitInput, responses={201: OpenApiTypes.OBJECT})
    def post(self, request, pk):
        reservation = _reservation_for(request, pk, owner_only=True)
        data = SplitInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.split_create(reservation_id=reservation.pk, players=data.validated_data["players"])
        reservation.refresh_from_db()
        response = Response(selectors.payment_summary(reservation, with_links=True), status=201)
        response.envelope_message = "Payment split"
        return response


class PayLinkApi(APIView):
    """A player's pay link: anyone holding the link may pay that share."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request, token):
        return Response(services.share_checkout(token))


class MarkPaidInput(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=Decimal("0.01"), required=False)


class MarkPaidApi(APIView):
    """POST reservations/reservations/{id}/mark-paid/: staff took the money at the desk."""

    @extend_schema(request=MarkPaidInput, responses={200: OpenApiTypes.OBJECT})
    def post(self, request, pk):
        reservation = _reservation_for(request, pk, staff_only=True)
        data = MarkPaidInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.desk_payment_record(reservation_id=reservation.pk, actor=request.user,
                                     amount=data.validated_data.get("amount"))
        reservation.refresh_from_db()
        response = Response(selectors.payment_summary(reservation, with_links=False))
        response.envelope_message = "Payment recorded"
        return response


class RefundAtDeskApi(APIView):
    """POST reservations/reservations/{id}/refund-at-desk/: staff handed back a cancelled
    pay-at-club booking's refund (the amount the cancellation decided)."""

    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
    def post(self, request, pk):
        reservation = _reservation_for(request, pk, staff_only=True)
        services.desk_refund_record(reservation_id=reservation.pk, actor=request.user)
        reservation.refresh_from_db()
        response = Response(selectors.payment_summary(reservation, with_links=False))
        response.envelope_message = "Refund recorded"
        return response
