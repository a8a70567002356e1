"""The in-process gRPC health server: grpcio's own servicer answers, and the faults it adds."""

from __future__ import annotations

import grpc
import pytest
from grpc_health.v1 import health_pb2

from infraprobe.testing.grpcserver import CHECK, GrpcHealthServer


async def _check(server: GrpcHealthServer, service: str, token: str | None = None) -> str:
    async with grpc.aio.insecure_channel(server.target) as channel:
        call = channel.unary_unary(
            CHECK,
            request_serializer=health_pb2.HealthCheckRequest.SerializeToString,
            response_deserializer=health_pb2.HealthCheckResponse.FromString,
        )
        metadata = [("authorization", f"Bearer {token}")] if token else []
        try:
            reply = await call(health_pb2.HealthCheckRequest(service=service), metadata=metadata, timeout=5)
        except grpc.aio.AioRpcError as exc:
            return exc.code().name
        return health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)


async def test_statuses_as_set_and_not_found_for_the_rest() -> None:
    async with GrpcHealthServer({"a.A": "NOT_SERVING", "b.B": "UNKNOWN"}) as server:
        assert server.target == f"127.0.0.1:{server.port}"
        got = [await _check(server, name) for name in ("", "a.A", "b.B", "c.C")]
        assert got == ["SERVING", "NOT_SERVING", "UNKNOWN", "NOT_FOUND"]
        await server.set("a.A", "SERVING")
        assert await _check(server, "a.A") == "SERVING"


async def test_token_and_missing_health_service() -> None:
    async with GrpcHealthServer(token="t0ken") as guarded:
        assert await _check(guarded, "") == "UNAUTHENTICATED"
        assert await _check(guarded, "", token="t0ken") == "SERVING"
    async with GrpcHealthServer(health=False) as bare:
        assert await _check(bare, "") == "UNIMPLEMENTED"


async def test_hold_fills_the_concurrency_limit_until_released() -> None:
    async with GrpcHealthServer(max_concurrent_rpcs=1) as small:
        async with small.hold(1):
            assert await _check(small, "") == "RESOURCE_EXHAUSTED"
        assert await _check(small, "") == "SERVING"


@pytest.mark.parametrize("status", ["SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"])
async def test_set_accepts_every_status_name(status: str) -> None:
    async with GrpcHealthServer({"s.S": status}) as server:
        assert await _check(server, "s.S") == status
