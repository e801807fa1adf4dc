"""Content credentials made in the test: an ES256 root and signer certificate generated with
``cryptography``, tiny PNGs drawn with Pillow and signed with ``c2pa-python`` through a local
callback signer (no network, no timestamp authority)."""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass
from pathlib import Path

import c2pa
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from PIL import Image

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
START = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Brand One Studio"),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "SE"),
        ]
    )


def _usage(signer: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=not signer,
        crl_sign=not signer,
        encipher_only=False,
        decipher_only=False,
    )


@dataclass(frozen=True)
class TestSigner:
    """A root CA and a leaf signing certificate (the extensions C2PA requires of a signer:
    digital-signature key usage, an extended key usage such as email protection, not a CA,
    subject and authority key identifiers) with the leaf's private key."""

    key: ec.EllipticCurvePrivateKey
    chain_pem: str  # leaf, then root
    root_pem: str

    @classmethod
    def create(cls, common_name: str = "Brand One Signer") -> TestSigner:
        root_key = ec.generate_private_key(ec.SECP256R1())
        root = (
            x509.CertificateBuilder()
            .subject_name(_name("Brand One Test Root"))
            .issuer_name(_name("Brand One Test Root"))
            .public_key(root_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(START)
            .not_valid_after(START + datetime.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(_usage(signer=False), critical=True)
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False
            )
            .sign(root_key, hashes.SHA256())
        )
        key = ec.generate_private_key(ec.SECP256R1())
        leaf = (
            x509.CertificateBuilder()
            .subject_name(_name(common_name))
            .issuer_name(root.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(START)
            .not_valid_after(START + datetime.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_usage(signer=True), critical=True)
            .add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), False
            )
            .sign(root_key, hashes.SHA256())
        )
        pem = serialization.Encoding.PEM
        root_pem = root.public_bytes(pem).decode()
        return cls(key, leaf.public_bytes(pem).decode() + root_pem, root_pem)

    def sign_png(self, path: Path, *, ai: bool, color: tuple[int, int, int]) -> Path:
        """Write a signed 8x8 PNG whose c2pa.created action declares AI generation (``ai``) or
        a digital capture."""
        return self.sign_image(path, "PNG", ai=ai, color=color)

    def sign_image(self, path: Path, kind: str, *, ai: bool, color: tuple[int, int, int]) -> Path:
        """Write a signed 8x8 image of Pillow format ``kind`` (PNG, JPEG)."""
        media_type = f"image/{kind.lower()}"
        source = "trainedAlgorithmicMedia" if ai else "digitalCapture"
        manifest = {
            "claim_generator_info": [{"name": "brand-one-studio", "version": "2.1"}],
            "title": path.name,
            "format": media_type,
            "assertions": [
                {
                    "label": "c2pa.actions",
                    "data": {
                        "actions": [{"action": "c2pa.created", "digitalSourceType": IPTC + source}]
                    },
                }
            ],
        }
        image = io.BytesIO()
        Image.new("RGB", (8, 8), color).save(image, kind)
        image.seek(0)
        signed = io.BytesIO()

        def sign(data: bytes) -> bytes:
            return self.key.sign(data, ec.ECDSA(hashes.SHA256()))

        with (
            c2pa.Signer.from_callback(sign, c2pa.C2paSigningAlg.ES256, self.chain_pem, None) as s,
            c2pa.Builder(manifest) as builder,
        ):
            builder.sign(s, media_type, image, signed)
        path.write_bytes(signed.getvalue())
        return path


def tamper(path: Path) -> Path:
    """Flip one byte of the image data after signing: the data hash no longer matches."""
    data = bytearray(path.read_bytes())
    data[data.index(b"IDAT") + 10] ^= 0xFF
    path.write_bytes(bytes(data))
    return path


def plain_png(path: Path) -> Path:
    """An unsigned PNG (no content credentials)."""
    Image.new("RGB", (8, 8), (0, 0, 0)).save(path, "PNG")
    return path
