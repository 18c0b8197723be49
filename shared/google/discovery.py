"""Services built from the discovery documents bundled in google-api-python-client.

``build_service`` makes a service with no network access (static discovery)
whose requests each go out on the calling thread's own transport, because
httplib2 is not thread-safe; ``execute`` runs one request and turns every
failure into an ``ApiError``. ``api.ApiClient``, under every Google API client
here, stands on these two. googleapiclient is imported only when a service is built.
"""

from __future__ import annotations

import http.client
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from shared.google.errors import ApiError, Unauthenticated, error_for_status, transport_error
from shared.google.retry import parse_retry_after

if TYPE_CHECKING:
    import google.auth.credentials

Json = dict[str, Any]


class ThreadHttp:
    """An httplib2-like transport that sends each request on the calling thread's own one.

    ``factory`` makes a thread's transport on its first request; it is kept
    for that thread's later requests (connections are reused).
    """

    def __init__(self, factory: Callable[[], Any]) -> None:
        self._factory = factory
        self._local = threading.local()

    def _http(self) -> Any:
        http = getattr(self._local, "http", None)
        if http is None:
            http = self._local.http = self._factory()
        return http

    def request(self, *args: Any, **kwargs: Any) -> Any:
        return self._http().request(*args, **kwargs)

    def close(self) -> None:
        """Close the calling thread's transport (others close when their thread ends)."""
        http = getattr(self._local, "http", None)
        if http is not None and hasattr(http, "close"):
            http.close()


def authorized_http(credentials: google.auth.credentials.Credentials, timeout: float) -> Any:
    """One thread's httplib2 transport that signs requests with ``credentials``."""
    import google_auth_httplib2
    import httplib2

    return google_auth_httplib2.AuthorizedHttp(credentials, http=httplib2.Http(timeout=timeout))


def build_service(api: str, version: str, *, endpoint: str, http: ThreadHttp) -> Any:
    """The ``api``/``version`` service from the bundled discovery document, rooted at ``endpoint``.

    Building turns the document into resource classes (tens of ms of CPU), so
    build once per client and share it: resources are stateless request builders.
    """
    from googleapiclient.discovery import build

    return build(
        api,
        version,
        http=http,
        static_discovery=True,
        cache_discovery=False,
        client_options={"api_endpoint": endpoint},
    )


def execute(request: Any, *, method: str, space: str | None = None, target: str = "") -> Json:
    """One HTTP attempt of a googleapiclient request; every failure becomes an ``ApiError``."""
    import google.auth.exceptions
    import httplib2
    from googleapiclient.errors import HttpError

    error: ApiError
    try:
        result = request.execute(num_retries=0)
    except HttpError as exc:
        error = error_for_status(
            int(exc.resp.status),
            exc.content,
            method=method,
            space=space,
            target=target,
            retry_after=parse_retry_after(exc.resp.get("retry-after")),
        )
    except google.auth.exceptions.RefreshError as exc:
        error = Unauthenticated(
            f"credentials could not be refreshed ({type(exc).__name__})",
            reason="UNAUTHENTICATED",
            method=method,
            space=space,
            target=target,
        )
    except (
        OSError,
        http.client.HTTPException,
        httplib2.HttpLib2Error,
        google.auth.exceptions.TransportError,
    ) as exc:
        error = transport_error(exc, method=method, space=space, target=target)
    else:
        return dict(result or {})
    raise error  # outside the except blocks: no chained library exception
