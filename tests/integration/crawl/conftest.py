"""Fixtures of the crawler tests; the helpers themselves are in crawl_helpers.py."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # `import crawl_helpers` from the tests here

from crawl_helpers import TestCA


@pytest.fixture(scope="session")
def test_ca(tmp_path_factory) -> TestCA:
    """A throwaway CA and a certificate for secure.test, made with the openssl command."""
    folder = tmp_path_factory.mktemp("ca")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

    def run(*args: str) -> None:
        try:
            subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True, timeout=30)
        except FileNotFoundError:
            pytest.skip("the openssl command is not installed (apt-get install openssl)")

    run(
        "req",
        "-x509",
        *ec,
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-subj",
        "/O=Antifraud Test/CN=Test CA",
        "-days",
        "2",
    )
    run("req", *ec, "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=secure.test")
    (folder / "ext.cnf").write_text(
        "subjectAltName=DNS:secure.test,DNS:www.secure.test\nbasicConstraints=CA:FALSE\n"
        "keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n",
        encoding="ascii",
    )
    run("x509", "-req", "-in", "leaf.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "leaf.crt", "-days", "2", "-extfile", "ext.cnf")  # fmt: skip
    return TestCA(str(folder / "ca.crt"), str(folder / "leaf.crt"), str(folder / "leaf.key"))
