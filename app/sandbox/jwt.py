"""RS256 JWTs with a `kid`, as Xero's identity service signs access and id tokens, and the JWKS entry.

Clients may verify a token against the JWKS published at the discovery document's `jwks_uri`; the
sandbox verifies its own tokens with the same public key.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _uint(number: int) -> str:
    return _b64(number.to_bytes((number.bit_length() + 7) // 8, "big"))


class SigningKey:
    """An RSA key pair; `kid` is the SHA-1 thumbprint of the public key, upper-case hex like Xero's."""

    def __init__(self, private: rsa.RSAPrivateKey) -> None:
        self.private = private
        self.public = private.public_key()
        der = self.public.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.kid = hashlib.sha1(der).hexdigest().upper()  # an identifier, not a security check

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(rsa.generate_private_key(public_exponent=65537, key_size=2048))

    @classmethod
    def from_pem(cls, pem: str) -> SigningKey:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("The sandbox signing key must be an RSA key.")
        return cls(key)

    def to_pem(self) -> str:
        return self.private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()

    def jwk(self) -> dict[str, str]:
        numbers = self.public.public_numbers()
        return {
            "kty": "RSA",
            "use": "sig",
            "alg": "RS256",
            "kid": self.kid,
            "e": _uint(numbers.e),
            "n": _uint(numbers.n),
        }


def encode(claims: dict[str, Any], key: SigningKey) -> str:
    header = _b64(json.dumps({"alg": "RS256", "kid": key.kid, "typ": "JWT"}, separators=(",", ":")).encode())
    body = _b64(json.dumps(claims, separators=(",", ":")).encode())
    signature = key.private.sign(f"{header}.{body}".encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{header}.{body}.{_b64(signature)}"


def decode(token: str, key: SigningKey) -> dict[str, Any] | None:
    """Claims if the token is RS256, carries our kid and our signature, else None (expiry: caller's clock)."""
    try:
        header, body, signature = token.split(".")
        meta = json.loads(_unb64(header))
        if not isinstance(meta, dict) or meta.get("alg") != "RS256" or meta.get("kid") != key.kid:
            return None
        key.public.verify(_unb64(signature), f"{header}.{body}".encode(), padding.PKCS1v15(), hashes.SHA256())
        claims = json.loads(_unb64(body))
    except (ValueError, InvalidSignature):
        return None
    return claims if isinstance(claims, dict) else None
