from enum import StrEnum


class PaymentErrorCode(StrEnum):
    PAYMENTS_DISABLED = "payments_disabled"
    NOT_ONLINE = "not_online_payment"
    NOT_PAYABLE = "not_payable"
    ALREADY_PAID = "already_paid"
    NO_REFUND_OWED = "no_refund_owed"
    NOT_DESK_REFUNDABLE = "not_desk_refundable"
    ALREADY_SPLIT = "already_split"
    PAYMENT_SPLIT = "payment_split"
    PROVIDER_UNAVAILABLE = "payment_provider_unavailable"
    PROVIDER_REFUSED = "payment_refused"
    INVALID_SIGNATURE = "invalid_signature"
    INVALID_PAYLOAD = "invalid_payload"
    WEBHOOKS_DISABLED = "webhooks_disabled"
