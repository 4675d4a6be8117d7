"""The one layer every HTTP request passes before Starlette's (issue 26: the five middlewares
it replaces cost a search a fifth of its time, each a call and most a ``send`` or ``receive``
wrapper). In order, as those middlewares were:

1. the access line and metric (``access.py``), whoever answers;
2. the body's limits (``limits.py``): a Content-Length refused at once, the body counted and
   timed as it is read;
3. a trailing slash ignored (``/x/`` is ``/x``: both sign alike, and the SDK reports a
   redirect as an empty success; one slash only: ``/x//`` ends in an empty segment);
4. AWS's wire API (``aws/edge.py``), for a SigV4-signed request or one of AWS RAM's paths;
5. a RAM, Organizations or decision operation (``dispatch.py``), an ``Endpoint``.

What none of them takes goes on to Starlette (``app``): the operator routes, the admin API,
the change feed, the console, 404 and 405, behind its ServerErrorMiddleware and
``RenderErrors``. The app's own endpoints note their status on the request's ``Access`` and
get ``send`` unwrapped; only Starlette's answers are read as they go."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from sharekeeper.api.http.access import Access, logged, noting
from sharekeeper.api.http.dispatch import Dispatch
from sharekeeper.api.http.limits import BodyLimits
from sharekeeper.api.metrics import Metrics
from sharekeeper.aws.edge import AwsWire


class Front:
    def __init__(
        self,
        app: ASGIApp,
        metrics: Metrics,
        limits: BodyLimits,
        aws: AwsWire,
        dispatch: Dispatch,
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.limits = limits
        self.aws = aws
        self.dispatch = dispatch

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # The scope as sent: its path is the line's, trailing slash and all.
        await logged(self.metrics, scope, lambda access: self._answer(scope, access, receive, send))

    async def _answer(self, scope: Scope, access: Access, receive: Receive, send: Send) -> None:
        refused = self.limits.refusal(scope)
        if refused is not None:
            await refused.response()(scope, receive, noting(access, send))
            return
        receive = self.limits.limited(receive)
        path = scope["path"]
        if len(path) > 1 and path.endswith("/"):
            scope = {**scope, "path": path[:-1]}
        if self.aws.mine(scope):
            await self.aws(scope, receive, send)
            return
        raw = scope.get("raw_path")
        found = self.dispatch.match(scope["method"], raw.decode("latin-1") if raw else path)
        if found is not None:
            endpoint, params = found
            await endpoint({**scope, "path_params": params}, receive, send)
            return
        await self.app(scope, receive, noting(access, send))
