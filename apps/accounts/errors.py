from enum import StrEnum


class AccountErrorCode(StrEnum):
    INVALID_CREDENTIALS = "invalid_credentials"
    EMAIL_TAKEN = "email_taken"
    TOKEN_REVOKED = "token_revoked"
    INVALID_RESET_TOKEN = "invalid_reset_token"
    NO_PHONE = "no_phone"
    PHONE_ALREADY_VERIFIED = "phone_already_verified"
    CODE_EXPIRED = "code_expired"
    WRONG_CODE = "wrong_code"
    VERIFICATION_UNAVAILABLE = "verification_unavailable"
