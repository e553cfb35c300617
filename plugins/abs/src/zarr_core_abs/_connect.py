"""From URLs, credentials and options to one ``ContainerClient``, and back (for pickling).

Every way of naming a container (a connection string, an account name with a key or a SAS
token, an ``account_url``, an ``azure-identity`` credential, a ready-made ``ContainerClient``)
is reduced to one :class:`Connection`: the container's URL (which carries a SAS token in
its query, if any), the credential object and the client keyword arguments. That is what a
pickle carries, and :meth:`Connection.client` builds the client from it with

* the SDK's retry policy (``ExponentialRetry``), with shorter waits than the SDK's own
  default of 15 s, 18 s and 24 s, so a dead endpoint is reported in seconds, not a minute;
* a connection pool as large as the store's request concurrency (``requests`` keeps 10
  connections per host by default and would drop and reopen the others on every batch).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from zarr_core.errors import StorageOptionsError, URLPipelineError

__all__ = ["Connection", "IdentityCredential", "parse_url", "CREDENTIAL_OPTIONS", "CLIENT_OPTIONS"]

#: storage_options (and ABSStore keywords) that say who the caller is and where the account is.
CREDENTIAL_OPTIONS = (
    "connection_string",
    "account_name",
    "account_key",
    "sas_token",
    "credential",
    "account_url",
    "anon",
    "tenant_id",
    "client_id",
    "client_secret",
)
#: storage_options accepted at the top level and passed on to the ContainerClient.
CLIENT_OPTIONS = ("api_version", "retry_total", "connection_timeout", "read_timeout")

# ExponentialRetry's own arguments (the rest of a client's keywords go to the client).
_RETRY_OPTIONS = (
    "initial_backoff",
    "increment_base",
    "retry_total",
    "retry_to_secondary",
    "random_jitter_range",
    "retry_connect",
    "retry_read",
    "retry_status",
)
# Waits of about 0.5 s, 2.5 s and 4.5 s: long enough to ride out a restart of the service.
_RETRY_DEFAULTS = {
    "initial_backoff": 0.5,
    "increment_base": 2,
    "retry_total": 3,
    "random_jitter_range": 0.25,
}
# The SDK's defaults (azure.storage.blob._shared.constants), which a custom transport
# must be given explicitly.
_TRANSPORT_DEFAULTS = {
    "connection_timeout": 20,
    "read_timeout": 60,
    "connection_data_block_size": 256 * 1024,
}
_ENV = {
    "connection_string": "AZURE_STORAGE_CONNECTION_STRING",
    "account_name": "AZURE_STORAGE_ACCOUNT_NAME",
    "account_key": "AZURE_STORAGE_ACCOUNT_KEY",
    "sas_token": "AZURE_STORAGE_SAS_TOKEN",
}


def parse_url(url: str) -> tuple[str, str, str | None]:
    """``az://container/prefix`` -> ``(container, prefix, account_name or None)``.

    ``abfs://`` is the same; ``az://container@account.blob.core.windows.net/prefix`` (and
    adlfs's ``...dfs.core.windows.net``) also names the account.
    """
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("az", "abfs", "abfss"):
        raise URLPipelineError(url, url, "an Azure Blob Storage URL starts with az:// or abfs://")
    netloc, path = parts.netloc, parts.path.strip("/")
    account = None
    if "@" in netloc:
        netloc, host = netloc.split("@", 1)
        account = host.split(".", 1)[0] or None
    if not netloc:
        raise URLPipelineError(
            url, url, "no container: write az://<container>/<prefix> (a container name first)"
        )
    if parts.query or parts.fragment:
        raise URLPipelineError(
            url, url, "query strings are not read; pass a SAS token as storage_options"
        )
    return netloc, path, account


@dataclass(frozen=True)
class IdentityCredential:
    """An ``azure-identity`` credential to create when the client is built (and after
    unpickling): ``ClientSecretCredential`` when all three ids are given, else
    ``DefaultAzureCredential``. Kept as a recipe because the credential objects hold
    locks and token caches that do not pickle."""

    tenant_id: str | None = None
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)

    def build(self) -> Any:
        try:
            import azure.identity
        except ImportError as exc:
            raise StorageOptionsError(
                "Azure AD credentials need the azure-identity package: pip install "
                "'zarr-core-abs[identity]' (or pass account_key, sas_token, a connection "
                "string, or anon=True for a public container)"
            ) from exc
        ids = (self.tenant_id, self.client_id, self.client_secret)
        if all(ids):
            return azure.identity.ClientSecretCredential(*ids)
        if any(ids):
            raise StorageOptionsError(
                "tenant_id, client_id and client_secret go together (a service principal); "
                f"got only {[n for n, v in zip(('tenant_id', 'client_id', 'client_secret'), ids, strict=True) if v]}"
            )
        return azure.identity.DefaultAzureCredential()


@dataclass(frozen=True)
class Connection:
    """Everything needed to build the store's ``ContainerClient`` (and nothing live).

    Parameters
    ----------
    container_url
        ``<account url>/<container>``, with a SAS token as its query string if one is used.
    credential
        A credential the SDK accepts (a key policy, ``AzureNamedKeyCredential``, ...),
        an :class:`IdentityCredential` recipe, or ``None`` (anonymous or SAS in the URL).
    client_kwargs
        Passed to the client (``api_version``, ``connection_timeout``, retry settings ...).
    """

    container_url: str
    credential: Any = None
    client_kwargs: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_options(
        cls,
        container: str,
        client_kwargs: dict[str, Any] | None = None,
        *,
        connection_string: str | None = None,
        account_name: str | None = None,
        account_key: str | None = None,
        sas_token: str | None = None,
        credential: Any = None,
        account_url: str | None = None,
        anon: bool | None = None,
        tenant_id: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
    ) -> Connection:
        """Reduce the many ways of naming an account to one :class:`Connection`."""
        from azure.storage.blob import BlobServiceClient

        given = (connection_string, account_name, account_key, sas_token, credential, account_url)
        if anon is None and not any(given) and not (tenant_id or client_id or client_secret):
            env = {name: os.environ.get(var) for name, var in _ENV.items()}
            if env["connection_string"]:  # it names everything; the others would clash
                connection_string = env["connection_string"]
            else:
                account_name, account_key = env["account_name"], env["account_key"]
                sas_token = env["sas_token"]
        if connection_string:
            if account_key or sas_token or account_url:
                raise StorageOptionsError(
                    "connection_string already names the account and its key or SAS token; "
                    "do not pass account_key, sas_token or account_url with it"
                )
            try:
                service = BlobServiceClient.from_connection_string(connection_string)
            except ValueError as exc:
                raise StorageOptionsError(
                    f"connection_string is not an Azure Storage connection string ({exc}); "
                    "it reads 'DefaultEndpointsProtocol=https;AccountName=...;AccountKey=...'"
                ) from exc
            account_url, credential = service.url, credential or service.credential
        if not account_url:
            if not account_name:
                raise StorageOptionsError(
                    "ABSStore needs an account: pass connection_string, account_name (with "
                    "account_key, sas_token or a credential), account_url or client, or set "
                    "AZURE_STORAGE_CONNECTION_STRING"
                )
            account_url = f"https://{account_name}.blob.core.windows.net"
        if sas_token:
            account_url = account_url.split("?", 1)[0].rstrip("/") + "?" + sas_token.lstrip("?")
        if credential is None and account_key:
            from azure.core.credentials import AzureNamedKeyCredential

            name = account_name or _account_of(account_url)
            credential = AzureNamedKeyCredential(name, account_key)
        if credential is None and (tenant_id or client_id or client_secret or anon is False):
            credential = IdentityCredential(tenant_id, client_id, client_secret)
        base, _, query = account_url.partition("?")
        container_url = f"{base.rstrip('/')}/{container}" + (f"?{query}" if query else "")
        return cls(container_url, credential, dict(client_kwargs or {}))

    @classmethod
    def from_client(cls, client: Any) -> Connection:
        """The connection of a ready ``ContainerClient`` (what a pickle of the store carries)."""
        return cls(client.url, client.credential, {"api_version": client.api_version})

    def client(self, pool_size: int) -> Any:
        """A new ``ContainerClient`` for this connection, with ``pool_size`` connections."""
        from azure.core.pipeline.transport import RequestsTransport
        from azure.storage.blob import ContainerClient, ExponentialRetry

        kwargs = dict(self.client_kwargs)
        if "retry_policy" not in kwargs:
            retry = {**_RETRY_DEFAULTS}
            retry.update({k: kwargs.pop(k) for k in _RETRY_OPTIONS if k in kwargs})
            kwargs["retry_policy"] = ExponentialRetry(**retry)
        if "transport" not in kwargs:
            options = {k: kwargs.pop(k, v) for k, v in _TRANSPORT_DEFAULTS.items()}
            kwargs["transport"] = _pooled_transport(
                RequestsTransport(**options), pool_size, self.container_url
            )
        credential = self.credential
        if isinstance(credential, IdentityCredential):
            credential = credential.build()
        return ContainerClient.from_container_url(
            self.container_url, credential=credential, **kwargs
        )

    def __getstate__(self) -> dict[str, Any]:
        live = sorted({"transport", "retry_policy"} & set(self.client_kwargs))
        if live:
            raise TypeError(
                f"an ABSStore given {' and '.join(live)} objects cannot be pickled; pass "
                "retry settings (retry_total, initial_backoff, ...) and timeouts instead"
            )
        return self.__dict__.copy()


def _account_of(account_url: str) -> str:
    """The account name in an account URL (``https://acc.blob...`` or ``http://ip:port/acc``)."""
    parts = urlsplit(account_url)
    host = parts.hostname or ""
    if host.replace(".", "").isdigit() or host == "localhost":
        return parts.path.strip("/").split("/", 1)[0]
    return host.split(".", 1)[0]


def _pooled_transport(transport: Any, size: int, url: str) -> Any:
    """``transport`` with room for ``size`` open connections per host, and the proxy and
    CA-bundle environment variables read once for ``url`` rather than on every request.

    ``requests`` with ``trust_env`` scans ``os.environ`` for proxies on each request,
    which measured about a fifth of the store's CPU time per small blob here; every
    request of this client goes to the one host, so the answer cannot change.
    """
    import requests.utils

    transport.open()
    session = transport.session
    for adapter in session.adapters.values():
        adapter._pool_connections = adapter._pool_maxsize = size  # kept if it is pickled
        adapter.init_poolmanager(size, size, block=adapter._pool_block)
    if session.trust_env:
        session.proxies.update(requests.utils.get_environ_proxies(url))
        bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        if bundle:
            session.verify = bundle
        session.trust_env = False
    return transport
