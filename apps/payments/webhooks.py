"""POST payments/stripe/webhook/: verify, record once, answer fast; a task does the work.

Stripe retries any non-2xx answer for days, so the view only verifies the signature (300 s
tolerance against replays), stores the event id (unique) and enqueues processing after
commit. Processing re-reads the object from Stripe and applies it exactly once.
"""
from __future__ import annotations

import json
import logging

import stripe
from django.conf import settings
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from apps.core.envelope import enveloped_response
from apps.core.errors import InvalidInput, ServiceUnavailable
from apps.payments import services
from apps.payments.errors import PaymentErrorCode as Code

logger = logging.getLogger("padelyzer.payments")


class StripeWebhookApi(APIView):
    authentication_classes = []  # Stripe signs the body instead
    permission_classes = [AllowAny]
    throttle_classes = []  # Stripe bursts on retries; the signature check is the gate

    @extend_schema(request=None, responses={200: inline_serializer("StripeWebhookReceived", {
        "event": serializers.CharField(), "duplicate": serializers.BooleanField()})})
    def post(self, request):
        secret = settings.STRIPE_WEBHOOK_SECRET
        if not secret:
            raise ServiceUnavailable(Code.WEBHOOKS_DISABLED, "Stripe webhooks are not configured")
        payload = request.body  # the raw bytes: the signature covers them exactly
        header = request.META.get("HTTP_STRIPE_SIGNATURE", "")
        try:
            stripe.Webhook.construct_event(payload, header, secret,
                                           tolerance=settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS)
        except stripe.SignatureVerificationError as exc:
            logger.warning("Stripe webhook refused: %s", str(exc).split(".")[0])
            raise InvalidInput(Code.INVALID_SIGNATURE, "Invalid Stripe signature or timestamp too old",
                               details={"stripe-signature": [str(exc)[:200]]}) from exc
        except (ValueError, UnicodeDecodeError, AttributeError, TypeError) as exc:  # signed, but not an event
            raise InvalidInput(Code.INVALID_PAYLOAD, "Not a Stripe event") from exc
        try:
            data = json.loads(payload)
            valid = (isinstance(data, dict) and isinstance(data.get("id"), str) and 0 < len(data["id"]) <= 255
                     and isinstance(data.get("type"), str) and 0 < len(data["type"]) <= 100)
        except ValueError:
            valid = False
        if not valid:
            raise InvalidInput(Code.INVALID_PAYLOAD, "Not a Stripe event")
        event, is_new = services.stripe_event_record(payload=payload)
        return enveloped_response({"event": event.event_id, "duplicate": not is_new}, "Event received")
