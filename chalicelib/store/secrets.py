"""Enterprise secrets, encrypted at rest with the KMS key named in settings."""

from __future__ import annotations

from chalicelib import settings
from chalicelib.store import aws

# The signing secret of status callbacks is bound to its use as well as to its enterprise.
SIGNING = "signing"


def _context(eid: int, purpose: str | None) -> dict[str, str]:
    # Binds a ciphertext to its enterprise: one enterprise's blob cannot be
    # copied onto another's record and still decrypt (nor a session secret's blob
    # onto the signing secret's).
    context = {"eid": str(eid)}
    if purpose is not None:
        context["purpose"] = purpose
    return context


def encrypt(eid: int, secret: str, purpose: str | None = None) -> bytes:
    out = aws.client("kms").encrypt(
        KeyId=settings.get().secrets_key_id,
        Plaintext=secret.encode(),
        EncryptionContext=_context(eid, purpose),
    )
    return out["CiphertextBlob"]


def decrypt(eid: int, blob: bytes, purpose: str | None = None) -> str:
    out = aws.client("kms").decrypt(CiphertextBlob=blob, EncryptionContext=_context(eid, purpose))
    return out["Plaintext"].decode()
