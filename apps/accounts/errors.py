from enum import StrEnum


class AccountErrorCode(StrEnum):
    INVALID_CREDENTIALS = "invalid_credentials"
    EMAIL_TAKEN = "email_taken"
    TOKEN_REVOKED = "token_revoked"
    INVALID_RESET_TOKEN = "invalid_reset_token"
