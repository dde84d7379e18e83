"""The QuickBooks Online client: intuitlib OAuth2 with stored, refreshed tokens; python-quickbooks requests
sent through our shared HTTP layer (rate limit, 429 backoff, circuit breaker); Faults mapped to our errors.

python-quickbooks builds every request and reads every Fault; only its transport is ours
(``process_request``), so the same requests reach Intuit or, in tests, a local server at ``base_url``.
Fault mapping: every response is read for a Fault in either spelling (``Fault``/``Error`` or the gateway's
lower-case ``fault``/``error``) before python-quickbooks sees it, and mapped by Intuit's documented codes
(:mod:`.faults`): an authentication fault (HTTP 401, code 3200 or 100) refreshes the token and retries once,
then :class:`AuthenticationFailed`; a ValidationFault or business validation fault (2000-6999, e.g. 6240
Duplicate Name Exists) -> :class:`InvalidRequest` naming the code and detail; 610 -> ``NotFound``;
system faults (10000+) -> :class:`ServerError`.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Final, TypeVar

import requests
from intuitlib.client import AuthClient
from intuitlib.exceptions import AuthClientError
from quickbooks import QuickBooks
from quickbooks import exceptions as qb_errors

from pipeline.connectors.common import local_dir
from pipeline.connectors.http import (
    AuthenticationFailed,
    HttpClient,
    HttpConfig,
    HttpError,
    InvalidRequest,
    ServerError,
    Sleep,
    error_for,
)
from pipeline.connectors.quickbooks.faults import fault_error, read_fault
from pipeline.connectors.quickbooks.tokens import Tokens, TokenStore
from pipeline.errors import ConfigError
from pipeline.records import SourceConfig

logger = logging.getLogger(__name__)

T = TypeVar("T")
MINOR_VERSION: Final = 75
EXPIRY_MARGIN: Final = 120.0  # refresh an access token this many seconds before it expires


class _QuickBooks(QuickBooks):  # type: ignore[misc]  # python-quickbooks is untyped
    """python-quickbooks with its transport swapped for our :class:`HttpClient`."""

    http: HttpClient
    bearer: str
    what: str = "request"  # the call being made, for error messages

    def process_request(
        self, request_type: str, url: str, headers: Any = "", params: Any = "", data: Any = ""
    ) -> requests.Response:
        headers = {**(headers or {}), "Authorization": f"Bearer {self.bearer}"}
        response = self.http.request(
            request_type, url, headers=headers, params=params, data=data, raise_errors=False
        )
        raise_for_fault(self.http.source, self.what, response)
        return response


def raise_for_fault(source: str, what: str, response: requests.Response) -> None:
    """Raise the mapped error for a Fault body (either spelling) or an error status; nothing for a good answer."""
    try:
        body = response.json() if response.content else None
    except ValueError:
        body = None
    fault = read_fault(body)
    if fault is not None:
        raise fault_error(source, what, fault, response.status_code, response.url)
    if response.status_code >= 400:
        raise error_for(source, response.status_code, response.url, response.text)


class QboClient:
    """One QuickBooks company (realm): query and CDC calls with token refresh and error mapping."""

    def __init__(
        self,
        source: str,
        realm: str,
        auth: AuthClient,
        store: TokenStore,
        http: HttpClient,
        base_url: str | None = None,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.source, self.realm, self.auth, self.store, self.http = source, realm, auth, store, http
        self.wall_clock = wall_clock
        self.tokens = store.load() or self._seed()
        self.qb = _QuickBooks(company_id=realm, minorversion=MINOR_VERSION)
        self.qb.http = http
        self.qb.sandbox = auth.environment == "sandbox"
        if base_url:
            self.qb.api_url_v3 = self.qb.sandbox_api_url_v3 = base_url.rstrip("/")

    def _seed(self) -> Tokens:
        raise ConfigError(
            f"source {self.source!r}: no stored QuickBooks tokens; seed a refresh token (see docs/connectors.md)"
        )

    def refresh(self) -> None:
        """Swap the refresh token for a new access token (and rotated refresh token); store both."""
        try:
            self.auth.refresh(refresh_token=self.tokens.refresh_token)
        except AuthClientError as e:
            raise AuthenticationFailed(
                self.source,
                f"Intuit refused the refresh token (HTTP {e.status_code}); re-authorise the app for realm "
                f"{self.realm} and seed the new refresh token (docs/connectors.md)",
                e.status_code,
                self.auth.token_endpoint,
            ) from e
        except requests.RequestException as e:
            raise AuthenticationFailed(self.source, f"token endpoint unreachable: {e}") from e
        expires_in = float(self.auth.expires_in or 3600)
        self.tokens = Tokens(
            refresh_token=str(self.auth.refresh_token or self.tokens.refresh_token),
            access_token=str(self.auth.access_token),
            expires_at=self.wall_clock() + expires_in,
        )
        self.store.save(self.tokens)
        logger.info("%s: refreshed the QuickBooks access token", self.source)

    def _call(self, what: str, call: Callable[[], T]) -> T:
        if not self.tokens.access_token or self.tokens.expires_at - EXPIRY_MARGIN <= self.wall_clock():
            self.refresh()
        for attempt in (1, 2):
            self.qb.bearer = self.tokens.access_token or ""
            self.qb.what = what
            try:
                return call()
            except AuthenticationFailed as e:
                if attempt == 1:
                    logger.info("%s: %s: token refused (%s); refreshing once", self.source, what, e)
                    self.refresh()
                    continue
                raise AuthenticationFailed(
                    self.source,
                    f"{what}: QuickBooks refused a freshly refreshed token ({e}); "
                    f"check the app's access to realm {self.realm}",
                    401,
                ) from e
            except qb_errors.AuthorizationException as e:
                if attempt == 1:
                    logger.info("%s: %s: token refused (%s); refreshing once", self.source, what, e.message)
                    self.refresh()
                    continue
                raise AuthenticationFailed(
                    self.source,
                    f"{what}: QuickBooks refused a freshly refreshed token ({e.error_code} {e.message}); "
                    f"check the app's access to realm {self.realm}",
                    401,
                ) from e
            except qb_errors.ValidationException as e:
                raise InvalidRequest(
                    self.source,
                    f"{what}: QuickBooks ValidationFault {e.error_code}: {e.message} {e.detail}",
                    400,
                ) from e
            except qb_errors.QuickbooksException as e:
                raise ServerError(
                    self.source, f"{what}: QuickBooks fault {e.error_code}: {e.message} {e.detail}"
                ) from e
        raise AssertionError("unreachable")  # pragma: no cover

    def query(self, select: str) -> Mapping[str, Any]:
        """The JSON body of one query (POST /v3/company/<realm>/query)."""
        result: Mapping[str, Any] = self._call(select, lambda: self.qb.query(select))
        return result

    def cdc(self, entities: str, changed_since: str) -> Mapping[str, Any]:
        """The JSON body of one ChangeDataCapture call (GET /v3/company/<realm>/cdc)."""
        result: Mapping[str, Any] = self._call(
            f"cdc {entities} since {changed_since}",
            lambda: self.qb.change_data_capture(entities, changed_since),
        )
        return result


def _env(name: str, source: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ConfigError(f"source {source!r}: set the environment variable {name}")
    return value


def client_from_config(
    config: SourceConfig,
    var_dir: Path | None = None,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Sleep = time.sleep,
    wall_clock: Callable[[], float] = time.time,
) -> QboClient:
    """A client for a ``quickbooks_api`` source; secrets come from the environment (docs/connectors.md).

    The token file is ``token_path``, else ``<var_dir>/secrets/<source>.qbo-token`` (``var_dir``: this
    argument, else the one the source was given).
    """
    o = config.options
    realm = str(o.get("realm_id") or _env(str(o.get("realm_id_env", "C360_QBO_REALM_ID")), config.name))
    environment = str(o.get("environment", "production"))
    discovery = str(o.get("discovery_url", environment))  # intuitlib takes a discovery URL as environment
    try:
        auth = AuthClient(
            _env(str(o.get("client_id_env", "C360_QBO_CLIENT_ID")), config.name),
            _env(str(o.get("client_secret_env", "C360_QBO_CLIENT_SECRET")), config.name),
            str(o.get("redirect_uri", "https://localhost/callback")),
            discovery,
        )
    except (AuthClientError, requests.RequestException, ValueError) as e:
        raise HttpError(
            config.name, f"cannot read Intuit's OpenID discovery document at {discovery}: {e}"
        ) from e
    auth.environment = environment
    token_path = o.get("token_path")
    path = (
        Path(str(token_path))
        if token_path
        else (var_dir or local_dir(config, "token_path")) / "secrets" / f"{config.name}.qbo-token"
    )
    store = TokenStore.from_env(path, str(o.get("token_key_env", "C360_QBO_TOKEN_KEY")))
    if store.load() is None:
        seed = _env(str(o.get("refresh_token_env", "C360_QBO_REFRESH_TOKEN")), config.name)
        store.save(Tokens(refresh_token=seed))
    http = HttpClient(config.name, HttpConfig.from_options(o), clock=clock, sleep=sleep)
    base = o.get("base_url")
    return QboClient(config.name, realm, auth, store, http, str(base) if base else None, wall_clock)
