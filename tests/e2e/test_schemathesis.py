"""The served /openapi.json is a valid OpenAPI 3.1 document, and Schemathesis, generating requests from
it (valid and invalid, positive and negative), gets no 5xx from a real `antifraud serve`. Bounded in
time so that `make test` stays fast; the seed is fixed so a failure reproduces."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from harness import Center
from openapi_spec_validator import validate

pytestmark = pytest.mark.e2e
SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"


def test_the_openapi_document_validates_and_every_ref_resolves(tmp_path):
    with Center(tmp_path / "center") as center:
        document = json.loads(center.get("/openapi.json").body)
    validate(document)  # raises on a dangling $ref or an undeclared path parameter
    for path, operations in document["paths"].items():
        for name in (part[1:-1] for part in path.split("/") if part.startswith("{")):
            for operation in operations.values():
                declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
                assert name in declared, f"{path}: path parameter {name} undeclared"


def test_schemathesis_finds_no_server_error(tmp_path):
    with Center(tmp_path / "center") as center:
        key = center.create_key("fuzzer", "admin")
        center.post("/v1/reports", key, {"type": "domain", "value": "kaspi-bonus.kz", "category": "phishing"})
        result = subprocess.run(
            [
                str(SCHEMATHESIS), "run", f"{center.url}/openapi.json",
                "--checks", "not_a_server_error",
                "--header", f"Authorization: Bearer {key}",
                "--max-examples", "15",
                "--max-time", "40",
                "--seed", "20261204",
                "--request-timeout", "10",
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=240,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
        summary = result.stdout.strip().splitlines()
        assert any(" passed" in line and " failed" not in line for line in summary), result.stdout[-3000:]
        assert " -> 500 " not in center.logs()
