"""Error codes of payments (the only codes its services and views raise), and its exceptions."""
from enum import StrEnum

from apps.core.errors import ApplicationError, ServiceUnavailable


class PaymentErrorCode(StrEnum):
    PAYMENTS_DISABLED = "payments_disabled"
    NOT_FOUND = "not_found"
    PERMISSION_DENIED = "permission_denied"
    NOT_ONLINE = "not_online_payment"
    NOT_PAYABLE = "not_payable"
    ALREADY_PAID = "already_paid"
    AMOUNT_TOO_HIGH = "amount_too_high"
    NO_REFUND_OWED = "no_refund_owed"
    NOT_DESK_REFUNDABLE = "not_desk_refundable"
    ALREADY_SPLIT = "already_split"
    INVALID_SPLIT = "invalid_split"
    PAYMENT_SPLIT = "payment_split"
    PROVIDER_UNAVAILABLE = "payment_provider_unavailable"
    PROVIDER_REFUSED = "payment_refused"
    INVALID_SIGNATURE = "invalid_signature"
    INVALID_PAYLOAD = "invalid_payload"
    WEBHOOKS_DISABLED = "webhooks_disabled"


class PaymentProviderUnavailable(ServiceUnavailable):
    """Stripe could not be reached (or failed); the caller may retry, nothing was lost."""

    def __init__(self, message="The payment provider is not answering; please retry in a moment"):
        super().__init__(PaymentErrorCode.PROVIDER_UNAVAILABLE, message)


class PaymentRefused(ApplicationError):
    """Stripe answered no (bad amount, bad configuration): retrying the same request will not help."""

    status = 502

    def __init__(self, message="The payment provider refused this payment; please contact the club"):
        super().__init__(PaymentErrorCode.PROVIDER_REFUSED, message)
