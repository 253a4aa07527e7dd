"""The site's X.509 PKI, made with ``cryptography`` only (no openssl CLI).

Every key is EC P-256: Mosquitto's OpenSSL, Python's ``ssl`` and paho all take it on
TLS 1.2 and 1.3, which Ed25519 certificates are not yet everywhere. The boxes'
*event signing* keys are separate Ed25519 keys (``protocol.keys``): a TLS key proves
who connects, the signing key proves who wrote an event, and either can be replaced
without the other.

Files: certificates and CRLs are PEM; private keys PKCS#8 PEM, created 0600 from the
start and moved into place atomically, so a crash never leaves half a key.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_DAYS = 3650
LEAF_DAYS = 397  # a year and a month: renew yearly, with room to spare
CRL_DAYS = 30  # Mosquitto refuses every client once the CRL's nextUpdate passes
BACKDATE = dt.timedelta(minutes=5)  # small clock skew between hosts


class PkiError(ValueError):
    """A key, certificate or CRL file is missing or unusable."""


@dataclass(frozen=True)
class Revoked:
    serial: int
    revoked_at: dt.datetime


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _name(cn: str, site: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, f"zhifang site {site}"),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


def new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def make_ca(
    site: str, *, days: int = CA_DAYS
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = new_key()
    name = _name(f"zhifang {site} site CA", site)
    now = _now()
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ski, critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _leaf(
    ca_key: ec.EllipticCurvePrivateKey,
    ca: x509.Certificate,
    cn: str,
    key: ec.EllipticCurvePrivateKey,
    *,
    usage: x509.ObjectIdentifier,
    days: int,
    san: list[x509.GeneralName] | None = None,
) -> x509.Certificate:
    now = _now()
    org = ca.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    site = str(org[0].value).removeprefix("zhifang site ") if org else "site"
    b = (
        x509.CertificateBuilder()
        .subject_name(_name(cn, site))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(min(now + dt.timedelta(days=days), ca.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=True,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
    )
    if san:
        b = b.add_extension(x509.SubjectAlternativeName(san), critical=False)
    return b.sign(ca_key, hashes.SHA256())


def issue_client(
    ca_key: ec.EllipticCurvePrivateKey,
    ca: x509.Certificate,
    cn: str,
    *,
    key: ec.EllipticCurvePrivateKey | None = None,
    days: int = LEAF_DAYS,
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A TLS client certificate; Mosquitto takes its CN as the MQTT user name."""
    key = key or new_key()
    return key, _leaf(ca_key, ca, cn, key, usage=ExtendedKeyUsageOID.CLIENT_AUTH, days=days)


def issue_server(
    ca_key: ec.EllipticCurvePrivateKey,
    ca: x509.Certificate,
    hosts: Iterable[str],
    *,
    days: int = LEAF_DAYS,
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """The broker's certificate, valid for each host name or IP address in ``hosts``."""
    hosts = list(hosts)
    if not hosts:
        raise PkiError("the broker certificate needs at least one host name or IP address")
    san: list[x509.GeneralName] = []
    for h in hosts:
        try:
            san.append(x509.IPAddress(ipaddress.ip_address(h)))
        except ValueError:
            san.append(x509.DNSName(h))
    key = new_key()
    cert = _leaf(
        ca_key, ca, hosts[0], key, usage=ExtendedKeyUsageOID.SERVER_AUTH, days=days, san=san
    )
    return key, cert


def make_crl(
    ca_key: ec.EllipticCurvePrivateKey,
    ca: x509.Certificate,
    revoked: Iterable[Revoked],
    *,
    number: int,
    days: int = CRL_DAYS,
) -> x509.CertificateRevocationList:
    now = _now()
    b = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.subject)
        .last_update(now - BACKDATE)
        .next_update(now + dt.timedelta(days=days))
        .add_extension(x509.CRLNumber(number), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
    )
    for r in revoked:
        b = b.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(r.serial)
            .revocation_date(r.revoked_at)
            .build()
        )
    return b.sign(ca_key, hashes.SHA256())


# --- files ---------------------------------------------------------------------------


def write_atomic(path: Path, data: bytes, *, mode: int) -> None:
    """Write ``data`` to ``path`` via a 0600/``mode`` temp file, fsync and rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    if tmp.exists():
        tmp.unlink()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(tmp, mode)  # umask may have narrowed it
    os.replace(tmp, path)


def write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    write_atomic(path, pem, mode=0o600)


def write_cert(path: Path, cert: x509.Certificate) -> None:
    write_atomic(path, cert.public_bytes(serialization.Encoding.PEM), mode=0o644)


def write_crl(path: Path, crl: x509.CertificateRevocationList) -> None:
    write_atomic(path, crl.public_bytes(serialization.Encoding.PEM), mode=0o644)


def read_key(path: Path) -> ec.EllipticCurvePrivateKey:
    try:
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            raise PkiError(f"{path} is readable by others (mode {mode:o}); run chmod 600 {path}")
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError:
        raise PkiError(f"key {path} does not exist") from None
    except ValueError as e:
        if isinstance(e, PkiError):
            raise
        raise PkiError(f"{path} is not a PEM private key: {e}") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise PkiError(f"{path} is not an EC private key")
    return key


def read_cert(path: Path) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(path.read_bytes())
    except FileNotFoundError:
        raise PkiError(f"certificate {path} does not exist") from None
    except ValueError as e:
        raise PkiError(f"{path} is not a PEM certificate: {e}") from None


def common_name(cert: x509.Certificate) -> str:
    attrs = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(attrs[0].value) if attrs else ""
