import gzip
import zlib

import pytest

from antifraud.content.body import (
    BodyBudget,
    BodyDecoder,
    BodyTooLarge,
    BodyUndecodable,
    decode_text,
    is_textual,
    sniff_charset,
)


def feed_all(decoder, data, size=1000):
    for start in range(0, len(data), size):
        decoder.feed(data[start : start + size])
    return decoder.finish()


@pytest.mark.parametrize(
    ("coding", "packed"),
    [
        ("gzip", gzip.compress(b"hello " * 1000)),
        ("x-gzip", gzip.compress(b"hello " * 1000)),
        ("deflate", zlib.compress(b"hello " * 1000)),
        ("deflate", zlib.compress(b"hello " * 1000)[2:-4]),  # raw deflate, as some servers send it
        (None, b"hello " * 1000),
        ("identity", b"hello " * 1000),
    ],
)
def test_codings_decode(coding, packed):
    budget = BodyBudget(max_wire=1 << 20, max_decoded=1 << 20)
    assert feed_all(BodyDecoder(coding, budget), packed) == b"hello " * 1000
    assert budget.wire == len(packed)
    assert budget.decoded == 6000


def test_a_decompression_bomb_stops_at_the_cap_without_inflating_it():
    bomb = gzip.compress(b"\0" * (50 * 1024 * 1024))  # 50 MiB of zeros in about 50 KiB
    assert len(bomb) < 100_000
    budget = BodyBudget(max_wire=1 << 20, max_decoded=1 << 20)
    decoder = BodyDecoder("gzip", budget)
    with pytest.raises(BodyTooLarge, match="decompresses to over 1048576 bytes"):
        feed_all(decoder, bomb, size=65536)
    assert len(decoder.body) <= (1 << 20) + 1  # held at most the cap (plus the byte that proved it over)


def test_the_wire_cap_counts_bytes_as_sent():
    budget = BodyBudget(max_wire=5000, max_decoded=1 << 20)
    with pytest.raises(BodyTooLarge, match="over 5000 bytes on the wire"):
        feed_all(BodyDecoder(None, budget), b"x" * 6000)
    with pytest.raises(BodyTooLarge, match="declares 9999 bytes"):
        BodyBudget(5000, 5000).check_declared(9999)
    BodyBudget(5000, 5000).check_declared(None)


def test_corrupt_gzip_is_undecodable():
    with pytest.raises(BodyUndecodable, match="not valid gzip"):
        feed_all(BodyDecoder("gzip", BodyBudget(1 << 20, 1 << 20)), b"definitely not gzip at all")


def test_unknown_or_stacked_codings_are_kept_as_sent():
    decoder = BodyDecoder("br", BodyBudget(1 << 20, 1 << 20))
    assert not decoder.decodable
    assert decoder.undecoded_coding == "br"
    assert feed_all(decoder, b"\x1b\x00raw") == b"\x1b\x00raw"
    assert not BodyDecoder("gzip, gzip", BodyBudget(10, 10)).decodable


def test_charset_from_header_bom_meta_or_utf8():
    cp = "Вход в Kaspi".encode("cp1251")
    assert sniff_charset("text/html; charset=windows-1251", cp) == "cp1251"
    assert sniff_charset("text/html", b'<meta charset="windows-1251">' + cp) == "cp1251"
    assert (
        sniff_charset("text/html", b"<meta http-equiv='Content-Type' content='text/html; charset=koi8-r'>") == "koi8-r"
    )
    assert sniff_charset("text/html; charset=nonsense", b"\xef\xbb\xbfabc") == "utf-8-sig"
    assert sniff_charset(None, b"plain") == "utf-8"
    assert decode_text("text/html; charset=windows-1251", cp) == ("Вход в Kaspi", "cp1251")
    assert decode_text(None, b"ok \xff")[0] == "ok \ufffd"


def test_textual_types():
    assert is_textual("text/html; charset=utf-8")
    assert is_textual("application/xhtml+xml")
    assert is_textual(None)
    assert not is_textual("image/png")
    assert not is_textual("application/octet-stream")
