"""Enterprise secrets, encrypted at rest with the KMS key named in settings."""

from __future__ import annotations

from chalicelib import settings
from chalicelib.store import aws

# The signing secret of status callbacks is bound to its use as well as to its enterprise.
SIGNING = "signing"


def _context(eid: int, purpose: str | None) -> dict[str, str]:
    # Binds a ciphertext to its enterprise: one enterprise's blob cannot be
    # copied onto another's record and still decrypt. A purpose goes in the same key
    # ("7:signing"), the only one the functions' KMS grants allow (infra/access.py), so
    # the enterprise secret's blob does not decrypt as its signing secret either.
    return {"eid": str(eid) if purpose is None else f"{eid}:{purpose}"}


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
