"""Keys and AES-GCM sealing: a master key from the environment wraps each round's own key.

The master key (32 bytes, base64 in HSR_MASTER_KEY) never touches the database; a round stores
only its key wrapped under it, bound to the round code, so a wrapped key copied onto another
round does not open. Sealed data is ``nonce (12 bytes) || ciphertext-with-tag``.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

KEY_BYTES = 32
NONCE_BYTES = 12
LOCAL_KEY_FILE = Path(".local") / "master.key"


class SealBroken(Exception):
    """Sealed data that does not open: wrong key, wrong associated data, or altered bytes."""


def _decode_key(text: str, *, origin: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured(f"{origin} is not valid base64.") from exc
    if len(key) != KEY_BYTES:
        raise ImproperlyConfigured(
            f"{origin} must hold {KEY_BYTES} bytes (base64), not {len(key)}."
        )
    return key


def _is_development() -> bool:
    module = os.environ.get("DJANGO_SETTINGS_MODULE", "")
    return bool(settings.DEBUG) or module.rsplit(".", 1)[-1] in {"dev", "test"}


def local_key_path() -> Path:
    return Path(settings.BASE_DIR) / LOCAL_KEY_FILE


def _local_master_key() -> bytes:
    """Read the development key file, creating it (mode 0600) on first use.

    The new key is written to a temporary file and linked into place, so two processes
    starting together agree on one key and nobody reads a half-written file.
    """
    path = local_key_path()
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        temporary = path.with_name(f"{path.name}.{secrets.token_hex(8)}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode() + "\n")
            # Another process may have won the race: its key stands, ours is dropped.
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)
    return _decode_key(path.read_text(), origin=str(path))


def master_key() -> bytes:
    """The master key: HSR_MASTER_KEY, or in development the generated local key file."""
    configured = getattr(settings, "HSR_MASTER_KEY", "")
    if configured:
        return _decode_key(configured, origin="HSR_MASTER_KEY")
    if not _is_development():
        raise ImproperlyConfigured("HSR_MASTER_KEY must be set in production.")
    return _local_master_key()


def seal(key: bytes, plaintext: bytes, *, aad: bytes) -> bytes:
    """Encrypt and authenticate ``plaintext`` under ``key``, bound to ``aad``."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def unseal(key: bytes, sealed: bytes, *, aad: bytes) -> bytes:
    """Decrypt what ``seal`` produced; SealBroken when anything differs from what was sealed."""
    sealed = bytes(sealed)
    if len(sealed) < NONCE_BYTES + 16:
        raise SealBroken("sealed data is too short")
    try:
        return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], aad)
    except InvalidTag as exc:
        raise SealBroken("sealed data does not open: altered, or wrong key or context") from exc


def _round_key_aad(round_code: str) -> bytes:
    return b"hsr-round-key:" + round_code.encode("utf-8")


def new_round_key(*, round_code: str) -> tuple[bytes, bytes]:
    """A fresh 256-bit round key and the same key wrapped under the master key."""
    key = AESGCM.generate_key(bit_length=KEY_BYTES * 8)
    return key, seal(master_key(), key, aad=_round_key_aad(round_code))


def unwrap_round_key(wrapped: bytes, *, round_code: str) -> bytes:
    """The round key from its wrapped form; SealBroken for another round's or altered key."""
    return unseal(master_key(), wrapped, aad=_round_key_aad(round_code))
