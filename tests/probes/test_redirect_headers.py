"""A redirect to another origin receives none of the configured headers: an API key may have any name."""

from __future__ import annotations

from infraprobe.probes.http import HttpCheck
from infraprobe.runner import Runner
from infraprobe.testing.httpservers import HttpServer, Reply, Request

HEADERS = {"X-Api-Key": "key-canary-1", "Authorization": "Bearer tok-canary-2", "X-Tenant": "t-canary-3"}


class Recorder:
    def __init__(self, location: str = "") -> None:
        self.location, self.seen = location, list[Request]()

    async def __call__(self, request: Request) -> Reply:
        self.seen.append(request)
        if self.location and request.target.startswith("/start"):
            return Reply(302, b"", [("location", self.location)])
        return Reply(200, b"ok")


async def test_cross_origin_redirect_drops_every_configured_header(runner: Runner) -> None:
    """The first hop gets X-Api-Key, Authorization and X-Tenant; the other origin gets none of them."""
    other = Recorder()
    async with HttpServer(other) as target:
        first = Recorder(location=target.url("/landing"))
        async with HttpServer(first) as start:
            check = HttpCheck(name="c", url=start.url("/start"), headers=HEADERS, follow_redirects=True)
            result = await runner.check(check)
    assert result.ok, result.message
    assert [r.target for r in other.seen] == ["/landing"]
    sent_first = first.seen[0].headers
    assert {k.lower(): v for k, v in HEADERS.items()}.items() <= dict(sent_first).items()
    leaked = [name for name in sent_first if name in other.seen[0].headers and name.startswith("x-")]
    assert leaked == [] and "authorization" not in other.seen[0].headers


async def test_same_origin_redirect_keeps_the_configured_headers(runner: Runner) -> None:
    """A relative redirect stays on the origin the user named: its headers still go there."""
    app = Recorder(location="/landing")
    async with HttpServer(app) as server:
        await runner.check(
            HttpCheck(name="c", url=server.url("/start"), headers=HEADERS, follow_redirects=True)
        )
    assert [r.target for r in app.seen] == ["/start", "/landing"]
    assert app.seen[1].headers.get("x-api-key") == "key-canary-1"
