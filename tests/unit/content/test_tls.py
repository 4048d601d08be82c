from datetime import UTC, datetime

from antifraud.content.tls import tls_facts


def test_facts_from_getpeercert():
    facts = tls_facts(
        {
            "subject": ((("commonName", "kaspi-bonus.kz"),),),
            "issuer": ((("countryName", "US"),), (("organizationName", "Let's Encrypt"),), (("commonName", "R11"),)),
            "subjectAltName": (("DNS", "kaspi-bonus.kz"), ("DNS", "*.kaspi-bonus.kz"), ("IP Address", "192.0.2.7")),
            "notBefore": "Nov 20 00:00:00 2026 GMT",
            "notAfter": "Feb 17 23:59:59 2027 GMT",
            "serialNumber": "04AB",
        },
        "TLSv1.3",
        "TLS_AES_256_GCM_SHA384",
    )
    assert facts.subject == "CN=kaspi-bonus.kz"
    assert facts.issuer == "C=US, O=Let's Encrypt, CN=R11"
    assert facts.san == ("DNS:kaspi-bonus.kz", "DNS:*.kaspi-bonus.kz", "IP:192.0.2.7")
    assert facts.not_before == datetime(2026, 11, 20, tzinfo=UTC)
    assert facts.not_after == datetime(2027, 2, 17, 23, 59, 59, tzinfo=UTC)
    assert round(facts.validity_days) == 90
    assert (facts.serial, facts.protocol) == ("04AB", "TLSv1.3")


def test_an_empty_certificate_gives_empty_facts():
    facts = tls_facts({})
    assert (facts.subject, facts.issuer, facts.san, facts.not_after, facts.validity_days) == ("", "", (), None, None)
    assert tls_facts({"notAfter": "garbage"}).not_after is None
