"""Enterprise secrets, encrypted at rest with the KMS key named in settings."""

from __future__ import annotations

from chalicelib import settings
from chalicelib.store import aws


def _context(eid: int) -> dict[str, str]:
    # Binds a ciphertext to its enterprise: one enterprise's blob cannot be
    # copied onto another's record and still decrypt.
    return {"eid": str(eid)}


def encrypt(eid: int, secret: str) -> bytes:
    out = aws.client("kms").encrypt(
        KeyId=settings.get().secrets_key_id,
        Plaintext=secret.encode(),
        EncryptionContext=_context(eid),
    )
    return out["CiphertextBlob"]


def decrypt(eid: int, blob: bytes) -> str:
    out = aws.client("kms").decrypt(CiphertextBlob=blob, EncryptionContext=_context(eid))
    return out["Plaintext"].decode()
