"""Signed lists: detached Ed25519 signatures naming their key, verification against a trusted set,
rotation, an attacker's file or signature, and the CLI verbs."""

from __future__ import annotations

import shutil
import stat
import subprocess

import pytest

from antifraud.cli import main
from blocklists import signing

LIST = b"; antifraud domains list\nkaspi-bonus.kz CNAME .\n*.kaspi-bonus.kz CNAME .\n"


@pytest.fixture
def keys(tmp_path):
    old = signing.create_key_pair(tmp_path / "old")
    new = signing.create_key_pair(tmp_path / "new")
    return old, new


def test_a_signature_names_its_key_and_verifies_against_the_trusted_set(keys):
    (old_private, old_public, old_id), (_, new_public, new_id) = keys
    signature = signing.sign(LIST, signing.load_private_key(old_private))
    assert signature.key_id == old_id
    parsed = signing.parse_signature(signature.to_text())
    assert parsed == signature
    trusted = [signing.load_public_key(new_public), signing.load_public_key(old_public)]
    assert signing.verify(LIST, parsed, trusted) == old_id
    assert new_id != old_id


def test_rotation_the_old_key_retired_refuses_what_it_signed(keys):
    (old_private, _, old_id), (new_private, new_public, new_id) = keys
    by_old = signing.sign(LIST, signing.load_private_key(old_private))
    by_new = signing.sign(LIST, signing.load_private_key(new_private))
    only_new = [signing.load_public_key(new_public)]
    assert signing.verify(LIST, by_new, only_new) == new_id
    with pytest.raises(signing.BadSignature, match=f"signed by key {old_id}, which is not trusted"):
        signing.verify(LIST, by_old, only_new)


def test_a_changed_file_or_a_forged_signature_is_refused(keys):
    (private, public, _), _ = keys
    signature = signing.sign(LIST, signing.load_private_key(private))
    trusted = [signing.load_public_key(public)]
    with pytest.raises(signing.BadSignature, match="does not match"):
        signing.verify(LIST + b"evil.kz CNAME rpz-passthru.\n", signature, trusted)
    forged = signing.Signature(signature.key_id, bytes(64))
    with pytest.raises(signing.BadSignature, match="does not match"):
        signing.verify(LIST, forged, trusted)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b"", "not an antifraud signature"),
        (b"\xff\xfe", "not ASCII"),
        (b"antifraud-signature: 1\nalgorithm: rsa\n", "algorithm 'rsa'"),
        (b"antifraud-signature: 1\nalgorithm: ed25519\nkey-id: XYZ\n", "16 lower-case hex"),
        (b"antifraud-signature: 1\nalgorithm: ed25519\nkey-id: 0123456789abcdef\nsignature: !!\n", "not base64"),
        (b"antifraud-signature: 1\nalgorithm: ed25519\nkey-id: 0123456789abcdef\nsignature: AAAA\n", "3 bytes"),
        (b"garbage line\n", "name: value"),
    ],
)
def test_malformed_signatures_say_what_is_wrong(text, message):
    with pytest.raises(signing.BadSignature, match=message):
        signing.parse_signature(text)


def test_a_new_private_key_is_readable_by_its_owner_only_and_never_overwritten(tmp_path):
    private, public, kid = signing.create_key_pair(tmp_path)
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert private.name == f"antifraud-signing-{kid}.pem"
    assert signing.key_id(signing.load_public_key(public)) == kid
    with pytest.raises(signing.SigningError, match="not an unencrypted PEM private key"):
        signing.load_private_key(public)
    with pytest.raises(signing.SigningError, match="cannot read"):
        signing.load_public_key(tmp_path / "missing.pem")


def test_cli_create_sign_and_verify(tmp_path, capsys):
    assert main(["signing-key", "create", "--out", str(tmp_path / "keys")]) == 0
    kid = capsys.readouterr().out.strip()
    private = tmp_path / "keys" / f"antifraud-signing-{kid}.pem"
    public = tmp_path / "keys" / f"antifraud-signing-{kid}.pub.pem"
    listed = tmp_path / "domains.rpz"
    listed.write_bytes(LIST)
    (tmp_path / "domains.rpz.sig").write_bytes(signing.sign(LIST, signing.load_private_key(private)).to_bytes())

    assert main(["verify", str(listed), "--public-key", str(public)]) == 0
    assert f"good signature by key {kid}" in capsys.readouterr().err

    listed.write_bytes(LIST.replace(b"kaspi-bonus", b"kaspi-bonux"))
    assert main(["verify", str(listed), "--public-key", str(public)]) == 1
    assert "NOT VERIFIED" in capsys.readouterr().err
    assert main(["verify", str(listed)]) == 1
    assert "no trusted public key" in capsys.readouterr().err
    assert main(["verify", str(listed), "--signature", str(tmp_path / "nope.sig"), "--public-key", str(public)]) == 1
    assert "cannot read the signature" in capsys.readouterr().err


def test_openssl_verifies_our_signature_as_docs_signing_md_shows(tmp_path):
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl not installed")
    private, public, _ = signing.create_key_pair(tmp_path)
    listed = tmp_path / "domains.rpz"
    listed.write_bytes(LIST)
    signature = signing.sign(LIST, signing.load_private_key(private))
    raw = tmp_path / "domains.rpz.sig.bin"
    raw.write_bytes(signature.value)
    command = [openssl, "pkeyutl", "-verify", "-pubin", "-inkey", str(public), "-rawin"]
    ok = subprocess.run(
        [*command, "-in", str(listed), "-sigfile", str(raw)], capture_output=True, text=True, check=False
    )
    assert ok.returncode == 0, ok.stderr + ok.stdout
    listed.write_bytes(LIST + b"x")
    bad = subprocess.run(
        [*command, "-in", str(listed), "-sigfile", str(raw)], capture_output=True, text=True, check=False
    )
    assert bad.returncode != 0
