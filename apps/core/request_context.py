"""The current request id, visible to log records and the envelope alike."""
from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")
