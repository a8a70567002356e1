"""An in-process gRPC server with the standard health service (grpc.health.v1), on a free loopback port.

    async with GrpcHealthServer({"orders.Orders": "SERVING", "billing.Billing": "NOT_SERVING"}) as server:
        print(server.target)                  # 127.0.0.1:PORT
        await server.set("orders.Orders", "NOT_SERVING")

It is grpcio's own server and grpcio-health-checking's own servicer, so a probe meets the exact answers a
real service gives: NOT_FOUND for a service it does not know, the status set for one it does. The server as
a whole is the service "" (SERVING unless told otherwise). Options for the faults a real deployment has:
`token` (every call needs `authorization: Bearer TOKEN`, else UNAUTHENTICATED), `max_concurrent_rpcs`
(grpcio answers RESOURCE_EXHAUSTED beyond it; `hold()` occupies the slots), `health=False` (no health
service at all: UNIMPLEMENTED).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any, Self, TypeAlias

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from infraprobe.testing._localserver import LOOPBACK

__all__ = ["GrpcHealthServer"]

# Stub-only generics: quoted so that nothing subscripts grpcio's runtime classes.
Handler: TypeAlias = "grpc.RpcMethodHandler[Any, Any]"
Continuation: TypeAlias = "Callable[[grpc.HandlerCallDetails], Awaitable[Handler | None]]"
CHECK = "/grpc.health.v1.Health/Check"


class _BearerToken(grpc.aio.ServerInterceptor):
    """Refuse every call without the expected `authorization` metadata, as an auth middleware does."""

    def __init__(self, token: str) -> None:
        self.expected = f"Bearer {token}"

    async def intercept_service(
        self, continuation: Continuation, details: grpc.HandlerCallDetails
    ) -> Handler | None:
        if dict(details.invocation_metadata or ()).get("authorization") == self.expected:
            return await continuation(details)
        return grpc.unary_unary_rpc_method_handler(_unauthenticated)


async def _unauthenticated(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> None:
    await context.abort(grpc.StatusCode.UNAUTHENTICATED, "missing or invalid bearer token")


class _Slow(health_pb2_grpc.HealthServicer):
    """grpcio's servicer, plus what it cannot do: hold a call (one of `max_concurrent_rpcs`) until released,
    and answer UNKNOWN (grpcio's servicer treats a status of 0 as no status, and answers NOT_FOUND)."""

    def __init__(self, inner: health.aio.HealthServicer) -> None:
        self.inner = inner
        self.release = asyncio.Event()
        self.all_held = asyncio.Event()
        self.holding = self.to_hold = 0
        self.undecided: set[str] = set()

    async def Check(self, request: Any, context: Any) -> Any:
        if request.service == "hold":
            self.holding += 1
            if self.holding >= self.to_hold:
                self.all_held.set()
            await self.release.wait()
        if request.service in self.undecided:
            return health_pb2.HealthCheckResponse(status=health_pb2.HealthCheckResponse.UNKNOWN)
        return await self.inner.Check(request, context)


class GrpcHealthServer:
    """grpc.aio server with grpc.health.v1 on 127.0.0.1:<free port>; use `async with`."""

    def __init__(
        self,
        statuses: Mapping[str, str] | None = None,
        *,
        token: str | None = None,
        max_concurrent_rpcs: int | None = None,
        health: bool = True,
    ) -> None:
        self.statuses = {"": "SERVING", **(statuses or {})}
        self.token = token
        self.max_concurrent_rpcs = max_concurrent_rpcs
        self.with_health = health
        self.port = 0
        self._server: grpc.aio.Server | None = None
        self._servicer: _Slow | None = None

    @property
    def target(self) -> str:
        return f"{LOOPBACK}:{self.port}"

    async def __aenter__(self) -> Self:
        interceptors = [_BearerToken(self.token)] if self.token else []
        server = grpc.aio.server(interceptors=interceptors, maximum_concurrent_rpcs=self.max_concurrent_rpcs)
        if self.with_health:
            self._servicer = _Slow(health.aio.HealthServicer())
            health_pb2_grpc.add_HealthServicer_to_server(self._servicer, server)
            for service, status in self.statuses.items():
                await self.set(service, status)
        self.port = server.add_insecure_port(f"{LOOPBACK}:0")
        await server.start()
        self._server = server
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._servicer is not None:
            self._servicer.release.set()
        if self._server is not None:
            await self._server.stop(grace=None)
            self._server = None

    async def set(self, service: str, status: str) -> None:
        """Set a service's status: SERVING, NOT_SERVING, UNKNOWN or SERVICE_UNKNOWN."""
        assert self._servicer is not None, "the server was started with health=False"
        value = health_pb2.HealthCheckResponse.ServingStatus.Value(status)
        if status == "UNKNOWN":
            self._servicer.undecided.add(service)
        else:
            self._servicer.undecided.discard(service)
            await self._servicer.inner.set(service, value)

    @asynccontextmanager
    async def hold(self, calls: int) -> AsyncIterator[None]:
        """Keep `calls` Check calls in progress (each one of `max_concurrent_rpcs`) until the block ends."""
        servicer = self._servicer
        assert servicer is not None
        servicer.release.clear()
        servicer.all_held.clear()
        servicer.holding, servicer.to_hold = 0, calls
        metadata = [("authorization", f"Bearer {self.token}")] if self.token else []
        async with grpc.aio.insecure_channel(self.target) as channel:
            check = channel.unary_unary(
                CHECK,
                request_serializer=health_pb2.HealthCheckRequest.SerializeToString,
                response_deserializer=health_pb2.HealthCheckResponse.FromString,
            )
            request = health_pb2.HealthCheckRequest(service="hold")
            pending = [asyncio.ensure_future(check(request, metadata=metadata)) for _ in range(calls)]
            try:
                async with asyncio.timeout(5):
                    await servicer.all_held.wait()
                yield
            finally:
                servicer.release.set()
                await asyncio.gather(*pending, return_exceptions=True)
