"""wrk with pre-built raw requests: each run replays a list of requests (pre-signed: a signature
stays valid for 15 minutes), on its own core, and reports throughput and latency as JSON."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

_DONE = """
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format('WRK {"requests":%d,"duration_us":%d,"non2xx":%d,"socket_errors":%d,'
    .. '"p50_us":%d,"p99_us":%d}\\n', summary.requests, summary.duration, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\r", "\\r").replace("\n", "\\n") + '"'


def raw_request(method: str, path: str, headers: dict[str, str], body: bytes = b"") -> str:
    lines = [f"{method} {path} HTTP/1.1"] + [f"{k}: {v}" for k, v in headers.items()]
    lines.append(f"Content-Length: {len(body)}")
    return "\r\n".join(lines) + "\r\n\r\n" + body.decode()


@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    non2xx: int
    socket_errors: int


def run(
    requests: list[str],
    port: int,
    directory: Path,
    seconds: float,
    connections: int,
    core: str = "1",
) -> Result:
    script = directory / f"wrk-{port}.lua"
    table = ",\n".join(_quote(r) for r in requests)
    # One thread, which sends the requests in order and starts again at the first only once
    # all were sent: judge.used_up counts the run's requests against the distinct ones. With
    # two threads each taking every other request, the faster thread wrapped round (resending
    # accepts already answered) while the total was still below the count, and the floor's
    # accept was refused for its "not 2xx". wrk is pinned to one core, where a second thread
    # adds no rate.
    script.write_text(
        f"local requests = {{{table}}}\nlocal n = 0\n"
        "request = function()\n"
        "  local index = n % #requests + 1\n"
        "  n = n + 1\n  return requests[index]\nend\n" + _DONE
    )
    out = subprocess.run(
        [
            "taskset",
            "-c",
            core,
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            # A slow answer is an answer: its latency counts rather than a timeout (2 s by
            # default, which a loaded machine's p99 reaches, refusing the whole run).
            "--timeout",
            "10s",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    ).stdout
    line = next(text for text in out.splitlines() if text.startswith("WRK "))
    data = json.loads(line[4:])
    good = data["requests"] - data["non2xx"]
    return Result(
        rps=good / (data["duration_us"] / 1e6),
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        requests=data["requests"],
        non2xx=data["non2xx"],
        socket_errors=data["socket_errors"],
    )
