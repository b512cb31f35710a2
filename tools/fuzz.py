"""Schemathesis with every check (`--checks all`) against a live `rapport serve` (issue 16).

Starts one server (keys auth, scripted engine, rate limits out of the way) on a throwaway SQLite
database, or on --database-url (give it an empty database you can lose), creates a secret key
the operator's way, seeds conversations in several states and a tenant persona whose ids the
fuzzer draws on (so requests reach the services, not only 404s), then runs

    schemathesis run /openapi.json --checks all

through all four phases (examples, coverage, fuzzing, stateful) and exits with its status. The
failures we accept, each with its reason, are listed in docs/security.md and excluded below.

    .venv/bin/python tools/fuzz.py                       # make fuzz
    .venv/bin/python tools/fuzz.py --max-examples 200    # longer
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import yaml

ROOT = Path(__file__).resolve().parents[1]
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
# The failures we accept, each with its reason (also in docs/security.md). A failure is known
# by its operation, check, kind and signature (for a refused valid request: the status).
BASELINE = ROOT / "tools" / "fuzz_baseline.json"
# A body over the limit is refused with 413 before it is read (RFC 9110 section 15.5.14), which
# schemathesis does not count as a rejection unless told.
REJECTIONS = [400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 428, 429]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def environment(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAPPORT_", "OPENAI_"))}
    env.update(
        RAPPORT_AUTH="keys",
        RAPPORT_ENGINE="scripted",
        RAPPORT_DATABASE_URL=database_url,
        RAPPORT_RATE_LIMIT_PER_MINUTE="1000000000",
        RAPPORT_AUTH_FAILURES_PER_MINUTE="1000000000",
    )
    return env


def rapport(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


def wait_ready(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the server exited during start-up")
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the server was not ready in 60 s")


def seed(base: str, key: str) -> dict[str, list[str]]:
    """Conversations in several states, one tenant persona: ids for the fuzzer to draw on."""
    persona = yaml.safe_load((ROOT / "personas" / "recruiter.yaml").read_text())
    persona.update(id="fuzz_recruiter", name="Dana Whitfield")
    conversations = []
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}) as client:
        client.post("/v1/personas", json=persona).raise_for_status()
        for n in range(40):  # the fuzzer ends and deletes some as it goes
            body = {"persona_id": "recruiter", "user_ref": f"learner-{n % 2}"}
            created = client.post("/v1/conversations", json=body)
            created.raise_for_status()
            conversations.append(created.json()["id"])
            if n % 3:
                turn = {"content": "How did you end up in recruiting?"}
                client.post(f"/v1/conversations/{conversations[-1]}/turns", json=turn)
            if n % 4 == 3:
                client.post(f"/v1/conversations/{conversations[-1]}/end")
    return {
        "conversations": conversations,
        "personas": ["recruiter", "conference_stranger", "fuzz_recruiter"],
        "learners": ["learner-0", "learner-1"],
    }


def config(path: Path, dictionaries: dict[str, list[str]]) -> Path:
    lines = []
    for name, values in dictionaries.items():
        lines += [f"[dictionaries.{name}]", f"values = {json.dumps(values)}"]
    lines += [
        "[parameters]",
        'conversation_id = { dictionary = "conversations", probability = 0.8 }',
        'persona_id = { dictionary = "personas", probability = 0.6 }',
        'user_ref = { dictionary = "learners", probability = 0.6 }',
        "[checks.negative_data_rejection]",
        f"expected-statuses = {json.dumps(REJECTIONS)}",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def schemathesis(args: argparse.Namespace, base: str, key: str, cfg: Path, out: Path) -> int:
    command = [str(SCHEMATHESIS), "--config-file", str(cfg), "run", f"{base}/openapi.json"]
    command += ["--header", f"Authorization: Bearer {key}", "--checks", "all"]
    command += ["--max-examples", str(args.max_examples), "--seed", args.seed]
    command += ["--generation-database", "none", "--request-timeout", "20", "--workers", "1"]
    command += ["--report", "junit", "--report-dir", str(out), "--no-color"]
    # Schemathesis stamps the entries it sees: it writes a copy, unless asked to update.
    copy = out / "baseline.json"
    baseline = args.baseline if args.update else Path(shutil.copy(args.baseline, copy))
    command += ["--baseline", str(baseline)] + (["--baseline-update"] if args.update else [])
    return subprocess.run(command, cwd=ROOT).returncode


def run(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        url = args.database_url or f"sqlite+aiosqlite:///{tmp / 'fuzz.db'}"
        env = environment(url)
        rapport(env, "db", "upgrade")
        key = rapport(env, "keys", "create", "--name", "schemathesis")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        command = [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1"]
        command += ["--port", str(port)]
        log_path = tmp / "server.log"
        with open(log_path, "wb") as log:
            server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
        try:
            wait_ready(base, server)
            cfg = config(tmp / "schemathesis.toml", seed(base, key))
            out = Path(args.report_dir)
            out.mkdir(parents=True, exist_ok=True)
            status = schemathesis(args, base, key, cfg, out)
        finally:
            server.terminate()
            server.wait(timeout=15)
        server_log = log_path.read_text(errors="replace")
    if "Traceback" in server_log:
        print("the server logged a traceback:\n" + server_log[-4000:], file=sys.stderr)
        status = status or 1
    print(f"schemathesis exit status {status}; JUnit report in {args.report_dir}")
    return status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-examples", type=int, default=100, help="per operation and phase")
    parser.add_argument("--seed", default="20261203", help="fixed, so a run can be repeated")
    parser.add_argument("--database-url", default=None, help="an empty database to lose")
    parser.add_argument("--report-dir", default=str(ROOT / "var" / "fuzz"))
    parser.add_argument("--baseline", type=Path, default=BASELINE, help="accepted failures")
    parser.add_argument("--update", action="store_true", help="add this run's failures to it")
    sys.exit(run(parser.parse_args()))


if __name__ == "__main__":
    main()
