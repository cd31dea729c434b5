#!/usr/bin/env python3
"""Schemathesis against the served /openapi.json: no server error, no answer outside the schema.

Starts `inventory serve` (2 workers) on a free loopback port with a fresh SQLite
file, makes an admin key, seeds a warehouse and a product so that generated
requests can hit existing resources, runs schemathesis, and stops the server by
its PID. Exits with schemathesis's status.

    .venv/bin/python .ci/api_fuzz.py [--max-examples N] [extra schemathesis options]
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: for tests/

from tests.waiting import free_port, wait_ready

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    ]
)


def cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(BIN / "inventory"), *args], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def main() -> int:
    extra = sys.argv[1:]
    with tempfile.TemporaryDirectory(prefix="inventory-fuzz-") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("INVENTORY_")}
        env["INVENTORY_DATABASE_URL"] = f"sqlite:///{tmp}/fuzz.db"
        env["INVENTORY_RATE_LIMIT"] = "off"
        key = cli(env, "keys", "create", "--name", "fuzz", "--role", "admin")
        cli(env, "warehouses", "add", "--code", "MAIN", "--name", "Main")
        cli(env, "products", "add", "--sku", "BOLT", "--name", "Bolt")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = Path(tmp) / "server.log"
        with log.open("wb") as out:
            server = subprocess.Popen(
                [str(BIN / "inventory"), "serve", "--port", str(port), "--workers", "2"],
                env=env, stdout=out, stderr=subprocess.STDOUT, cwd=tmp,
            )  # fmt: skip
        try:
            wait_ready(f"{base}/ready", server, log=log)
            command = [
                str(BIN / "schemathesis"), "run", f"{base}/openapi.json",
                "--header", f"Authorization: Bearer {key}",
                "--checks", CHECKS,
                "--phases", "examples,coverage,fuzzing,stateful",
                "--max-examples", "25",
                "--seed", "20261127",
                "--generation-database", "none",
                "--request-timeout", "10",
                "--no-color",
                *extra,
            ]  # fmt: skip
            status = subprocess.run(command, cwd=tmp, check=False).returncode
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(30)
        errors = [
            line for line in log.read_text(errors="replace").splitlines() if "Traceback" in line
        ]
        if errors:
            print(f"the server logged {len(errors)} traceback(s); see its log", file=sys.stderr)
            print(log.read_text(errors="replace")[-5000:], file=sys.stderr)
            return status or 1
        print(json.dumps({"schemathesis_exit": status, "server_exit": server.returncode}))
        return status


if __name__ == "__main__":
    sys.exit(main())
