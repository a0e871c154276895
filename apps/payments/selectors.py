"""Reads of payments: the summary a booking's owner and club staff see."""
from __future__ import annotations

from decimal import Decimal

from apps.payments.models import Payment
from apps.payments.money import money_text
from apps.reservations.models import Reservation


def amount_due(reservation: Reservation) -> Decimal:
    return max(reservation.price - reservation.paid_amount, Decimal("0.00"))


def share_pay_path(token: str) -> str:
    return f"/pay/{token}/"


def payment_summary(reservation: Reservation, *, with_links: bool) -> dict:
    payments = list(Payment.objects.filter(reservation=reservation).select_related("share", "refund")
                    .order_by("created_at"))
    shares = []
    for p in payments:
        if p.share_id is None:
            continue
        share = {"id": str(p.share.pk), "index": p.share.index, "name": p.share.name, "email": p.share.email,
                 "amount": money_text(p.share.amount), "currency": p.share.currency, "status": p.status}
        if with_links:
            share["token"] = p.share.token
            share["pay_url"] = share_pay_path(p.share.token)
        shares.append(share)
    shares.sort(key=lambda s: s["index"])
    return {
        "reservation": str(reservation.pk),
        "mode": reservation.payment_mode,
        "status": reservation.status,
        "price": money_text(reservation.price),
        "paid_amount": money_text(reservation.paid_amount),
        "amount_due": money_text(amount_due(reservation)),
        "currency": reservation.currency,
        "hold_expires_at": reservation.hold_expires_at.isoformat() if reservation.hold_expires_at else None,
        "refund": {"amount": money_text(reservation.refund_amount), "currency": reservation.currency,
                   "status": reservation.refund_status},
        "payments": [_payment_row(p) for p in payments],
        "shares": shares,
    }


def _payment_row(p: Payment) -> dict:
    refund = getattr(p, "refund", None)  # reverse one-to-one: None when there is none
    return {
        "id": str(p.pk), "method": p.method, "amount": money_text(p.amount), "currency": p.currency,
        "status": p.status, "amount_received": money_text(p.amount_received), "applied": p.applied,
        "refunded_amount": money_text(p.refunded_amount), "share": str(p.share_id) if p.share_id else None,
        "succeeded_at": p.succeeded_at.isoformat() if p.succeeded_at else None,
        "refund": ({"id": str(refund.pk), "amount": money_text(refund.amount), "reason": refund.reason,
                    "status": refund.status} if refund else None),
    }
