"""AccessChecker.decide in process against POST /sharekeeper/v1/authorize through HTTP, in one
run: `python bench/checker.py [--seconds 3]`. The seed is bench/authorize.py's (an accepted
share of 100 subnets and a vpc service principal).

- ``http_decision``: POST /authorize, one request, under wrk (as bench/authorize.py);
- ``checker_first``: decide() over 20,000 different questions (the 100 subnets asked for the
  receiver and 199 other accounts), each evaluated by the rules for the first time (the 100
  URNs' parses and spellings are remembered after their first question, as the server's are);
- ``checker_repeated``: the same questions again, answered from the checker's memo (until the
  view next changes), as a resource service asks about its hot resources.

The target (issue 25) is decide() >= 200,000 decisions a second. The last line is one JSON
object."""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import authorize  # noqa: E402
import run  # noqa: E402
import wrk  # noqa: E402

from sharekeeper.config import Settings  # noqa: E402
from sharekeeper.enforce import AccessChecker  # noqa: E402

OTHERS = 199


def _pass(checker: AccessChecker, questions: list[tuple[str, str, str]]) -> dict[str, Any]:
    started = time.perf_counter()
    allowed = sum(checker.decide(*q).decision == "allow" for q in questions)
    elapsed = time.perf_counter() - started
    return {"decisions_per_s": round(len(questions) / elapsed, 1), "allowed": allowed}


def measure(database_url: str, work: Path, seconds: float) -> dict[str, Any]:
    data_dir = work / "data"
    master_key = base64.b64encode(os.urandom(32)).decode()
    settings = Settings(data_dir=data_dir, database_url=database_url, master_key=master_key)
    seeded = authorize._seed(settings, 0)
    port = run.free_port()
    service_keys: tuple[str, str, str] = seeded["service"]  # account id, access key, secret
    service = run.Caller(*service_keys, port)
    principal = seeded["receiver"][0]
    single = [
        service.signed(
            "POST",
            authorize.AUTHORIZE,
            json.dumps(
                {"principal": principal, "action": "vpc:subnets:get", "resource": urn}
            ).encode(),
        )
        for urn in seeded["urns"]
    ]
    principals = [principal, *(uuid.uuid4().hex for _ in range(OTHERS))]
    questions = [(p, "vpc:subnets:get", urn) for p in principals for urn in seeded["urns"]]
    env = {**run.sharekeeper_env(database_url, data_dir), "SHAREKEEPER_MASTER_KEY": master_key}
    command = [run.PYTHON, "-m", "sharekeeper", "serve", "--port", str(port)]
    endpoint = f"http://127.0.0.1:{port}"
    with run.process(command, env, work / "sharekeeper.log", f"{endpoint}/healthz") as pid:
        wrk.run(single, port, work, 1, 16)  # warm up
        http = authorize._rate(run.loaded(pid, single, port, work, seconds, 64))
        _, access_key, secret_key = seeded["service"]
        with AccessChecker(endpoint, access_key=access_key, secret_key=secret_key) as checker:
            first = _pass(checker, questions)
            repeated = _pass(checker, questions)
    if first["allowed"] != len(seeded["urns"]) or repeated["allowed"] != first["allowed"]:
        return {"error": f"the checker allowed {first['allowed']}, not the receiver's subnets"}
    figures: dict[str, Any] = {
        "http_decision": http,
        "checker_first": first,
        "checker_repeated": repeated,
    }
    if "decisions_per_s" in http:
        figures["ratios"] = {
            f"{name}_to_http_decision": round(
                figures[name]["decisions_per_s"] / http["decisions_per_s"], 1
            )
            for name in ("checker_first", "checker_repeated")
        }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sk-bench-checker-") as tmp:
        work = Path(tmp)
        results = {"sqlite": measure(f"sqlite:///{work / 'bench.db'}", work, args.seconds)}
    print(json.dumps(results))


if __name__ == "__main__":
    main()
