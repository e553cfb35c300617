"""Azure SDK exceptions -> zarr-core's typed store errors.

Every request the store makes runs inside :func:`translated`, so a caller never sees a bare
``azure.core.exceptions`` error: a refused or dropped connection becomes
:class:`~zarr_core.errors.StoreConnectionError`, a client-side timeout
:class:`~zarr_core.errors.StoreTimeoutError`, refused credentials
:class:`~zarr_core.errors.StoreAuthenticationError`, and any other service error a
:class:`~zarr_core.errors.StoreBackendError`; each names the account, its endpoint, the
operation and the zarr key, with the SDK's exception chained. A missing blob is not an
error here: the store turns it into ``KeyError`` (or ``None``/``False``) itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    IncompleteReadError,
    ServiceRequestError,
    ServiceRequestTimeoutError,
    ServiceResponseError,
    ServiceResponseTimeoutError,
)

from zarr_core.errors import (
    StoreAuthenticationError,
    StoreBackendError,
    StoreConnectionError,
    StoreTimeoutError,
)

__all__ = ["translated"]

_AUTH_HINT = (
    "check the account name and key, the SAS token (and its expiry and permissions) or the "
    "credential given to the store"
)
_CONNECTION_HINT = (
    "check that the endpoint is right and reachable; the SDK's retry policy gave up (pass "
    "retry_total=... in blob_service_kwargs or storage_options to retry longer)"
)
_TIMEOUT_HINT = "raise connection_timeout/read_timeout (seconds) in blob_service_kwargs"


def _is_timeout(exc: BaseException) -> bool:
    # requests' ReadTimeout/ConnectTimeout reach azure-core as ServiceResponseError or
    # ServiceRequestError with the timeout as their cause (older azure-core has no
    # *TimeoutError subclasses for them), so look along the chain.
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, ServiceRequestTimeoutError | ServiceResponseTimeoutError | TimeoutError):
            return True
        if "timeout" in type(exc).__name__.lower():
            return True
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
        seen += 1
    return False


@contextmanager
def translated(server: str, operation: str, key: str | None = None) -> Iterator[None]:
    """Raise zarr-core's typed error for any Azure SDK failure inside the block."""
    try:
        yield
    except ClientAuthenticationError as exc:
        raise StoreAuthenticationError(server, operation, key, _reason(exc), _AUTH_HINT) from exc
    except IncompleteReadError as exc:  # the connection dropped in the middle of a body
        raise StoreConnectionError(server, operation, key, _reason(exc), _CONNECTION_HINT) from exc
    except HttpResponseError as exc:
        if exc.status_code in (401, 403):
            raise StoreAuthenticationError(
                server, operation, key, _reason(exc), _AUTH_HINT
            ) from exc
        raise StoreBackendError(server, operation, key, _reason(exc)) from exc
    except (ServiceRequestError, ServiceResponseError) as exc:
        if _is_timeout(exc):
            raise StoreTimeoutError(server, operation, key, _reason(exc), _TIMEOUT_HINT) from exc
        raise StoreConnectionError(server, operation, key, _reason(exc), _CONNECTION_HINT) from exc


def _reason(exc: BaseException) -> str:
    # The SDK's messages run over several lines (request id, time, XML body); the first
    # line and the error code say what happened.
    text = str(exc).strip().splitlines()
    first = text[0] if text else type(exc).__name__
    code = getattr(exc, "error_code", None)
    return f"{type(exc).__name__}: {first}" + (f" (error code {code})" if code else "")
