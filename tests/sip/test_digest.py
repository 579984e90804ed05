"""Digest authentication (RFC 7616 / RFC 8760): test vectors, nonces, replays, stored HA1."""

from __future__ import annotations

import pytest

from sip.digest import (
    ALGORITHMS,
    Authorization,
    DigestAuth,
    Verdict,
    digest_response,
    hash_hex,
    parse_auth_params,
    stored_ha1,
)
from sip.errors import SipError

SECRET = b"0123456789abcdef0123456789abcdef"

# RFC 7616 §3.9.1: Mufasa / "Circle of Life", GET /dir/index.html.
RFC_USER = "Mufasa"
RFC_PASSWORD = "Circle of Life"
RFC_REALM = "http-auth@example.org"
RFC_NONCE = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
RFC_CNONCE_MD5 = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
RFC_CNONCE = RFC_CNONCE_MD5


@pytest.mark.parametrize(
    ("algorithm", "expected"),
    [
        ("MD5", "8ca523f5e9506fed4657c9700eebdbec"),
        ("SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"),
    ],
)
def test_rfc7616_vectors(algorithm: str, expected: str) -> None:
    ha1 = stored_ha1(RFC_USER, RFC_REALM, RFC_PASSWORD)[algorithm]
    got = digest_response(
        algorithm, ha1, "GET", "/dir/index.html", RFC_NONCE,
        qop="auth", nc="00000001", cnonce=RFC_CNONCE,
    )
    assert got == expected


def test_stored_ha1_never_holds_the_password() -> None:
    stored = stored_ha1("alice", "accueil", "s3cret")
    assert set(stored) == set(ALGORITHMS)
    assert stored["MD5"] == hash_hex("MD5", "alice:accueil:s3cret")
    assert all("s3cret" not in value for value in stored.values())
    with pytest.raises(ValueError):
        hash_hex("SHA-512-256", "x")


def test_parse_authorization_with_quoted_commas() -> None:
    text = (
        'Digest username="bob", realm="a, b", nonce="n=1", uri="sip:x@y", '
        'response="ABCDEF", algorithm=sha-256, qop=auth, nc=00000001, cnonce="c", opaque="o"'
    )
    auth = Authorization.parse(text)
    assert auth.realm == "a, b" and auth.nonce == "n=1" and auth.algorithm == "SHA-256"
    assert auth.response == "abcdef" and auth.qop == "auth" and auth.opaque == "o"
    assert parse_auth_params('Digest a="x\\"y"') == {"a": 'x"y'}
    with pytest.raises(SipError):
        Authorization.parse('Basic dXNlcjpwYXNz')
    with pytest.raises(SipError):
        Authorization.parse('Digest username="bob"')
    with pytest.raises(SipError):
        parse_auth_params('Digest a="x" junk')


def _credentials(
    auth: DigestAuth, nonce: str, *, algorithm: str = "SHA-256", password: str = "pw",
    nc: str = "00000001", qop: str | None = "auth",
) -> Authorization:
    uri = "sip:accueil.example"
    ha1 = hash_hex(algorithm, f"alice:{auth.realm}:{password}")
    response = digest_response(
        algorithm, ha1, "REGISTER", uri, nonce, qop=qop, nc=nc, cnonce="abc"
    )
    return Authorization("alice", auth.realm, nonce, uri, response, algorithm, qop,
                         nc if qop else "", "abc" if qop else "")


def _nonce_of(challenge: str) -> str:
    return parse_auth_params(challenge)["nonce"]


def test_challenges_offer_sha256_then_md5() -> None:
    auth = DigestAuth("accueil", SECRET)
    first, second = auth.challenges(0.0)
    assert "algorithm=SHA-256" in first and "algorithm=MD5" in second
    assert 'qop="auth"' in first and "stale" not in first
    assert _nonce_of(first) == _nonce_of(second)
    assert "stale=true" in auth.challenges(1.0, stale=True)[0]
    assert _nonce_of(auth.challenges(1.0)[0]) != _nonce_of(first)
    with pytest.raises(ValueError):
        DigestAuth("accueil", b"short")


@pytest.mark.parametrize("algorithm", ["SHA-256", "MD5"])
def test_both_algorithms_accepted(algorithm: str) -> None:
    auth = DigestAuth("accueil", SECRET)
    stored = stored_ha1("alice", "accueil", "pw")
    nonce = auth.nonce(10.0)
    creds = _credentials(auth, nonce, algorithm=algorithm)
    assert auth.verify(creds, "REGISTER", stored, 11.0) is Verdict.OK


def test_wrong_password_and_unknown_algorithm() -> None:
    auth = DigestAuth("accueil", SECRET, algorithms=("SHA-256",))
    stored = stored_ha1("alice", "accueil", "pw")
    nonce = auth.nonce(0.0)
    assert auth.verify(_credentials(auth, nonce, password="nope"), "REGISTER", stored, 1.0) \
        is Verdict.WRONG
    md5 = _credentials(auth, nonce, algorithm="MD5")
    assert auth.verify(md5, "REGISTER", stored, 1.0) is Verdict.UNSUPPORTED
    assert auth.verify(_credentials(auth, nonce), "INVITE", stored, 1.0) is Verdict.WRONG


def test_stale_nonce() -> None:
    auth = DigestAuth("accueil", SECRET, nonce_ttl=30.0)
    stored = stored_ha1("alice", "accueil", "pw")
    nonce = auth.nonce(0.0)
    assert auth.verify(_credentials(auth, nonce), "REGISTER", stored, 31.0) is Verdict.STALE
    # A wrong password on a stale nonce is still wrong, never "stale".
    bad = _credentials(auth, nonce, password="x")
    assert auth.verify(bad, "REGISTER", stored, 31.0) is Verdict.WRONG


def test_forged_nonce_is_refused() -> None:
    auth = DigestAuth("accueil", SECRET)
    other = DigestAuth("accueil", b"another secret of 32 bytes......")
    stored = stored_ha1("alice", "accueil", "pw")
    forged = other.nonce(0.0)
    assert auth.verify(_credentials(auth, forged), "REGISTER", stored, 1.0) is Verdict.REPLAYED
    assert auth.verify(_credentials(auth, "!!!"), "REGISTER", stored, 1.0) is Verdict.REPLAYED


def test_nonce_count_replay() -> None:
    auth = DigestAuth("accueil", SECRET)
    stored = stored_ha1("alice", "accueil", "pw")
    nonce = auth.nonce(0.0)
    first = _credentials(auth, nonce)
    assert auth.verify(first, "REGISTER", stored, 1.0) is Verdict.OK
    assert auth.verify(first, "REGISTER", stored, 2.0) is Verdict.REPLAYED
    second = _credentials(auth, nonce, nc="00000002")
    assert auth.verify(second, "REGISTER", stored, 3.0) is Verdict.OK
    # An RFC 2069 client (no qop) may use a nonce once.
    plain = _credentials(auth, auth.nonce(4.0), qop=None)
    assert auth.verify(plain, "REGISTER", stored, 5.0) is Verdict.OK
    assert auth.verify(plain, "REGISTER", stored, 6.0) is Verdict.REPLAYED


def test_counts_are_forgotten_with_their_nonces() -> None:
    auth = DigestAuth("accueil", SECRET, nonce_ttl=10.0)
    stored = stored_ha1("alice", "accueil", "pw")
    for t in range(100):
        nonce = auth.nonce(float(t))
        assert auth.verify(_credentials(auth, nonce), "REGISTER", stored, t + 0.5) is Verdict.OK
    assert len(auth._counts) <= 12
