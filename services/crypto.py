"""Encrypting whole files (case archives) with a key derived from a passphrase.

Stores are encrypted by SQLCipher (see ``models.db``); archives and other exported blobs are
encrypted here with AES-256-GCM under a key derived by scrypt from the passphrase. The layout is::

    MAGIC (8) | log2(N) (1) | r (1) | p (1) | salt (16) | nonce (12) | ciphertext + tag

The header is authenticated with the ciphertext, so a changed byte anywhere is detected. The
passphrase and the derived key only ever live in memory.
"""

from __future__ import annotations

import hashlib
import os

from services.errors import DomainError

MAGIC = b"SBKENC1\n"
_SALT = 16  # bytes
_NONCE = 12  # bytes
_LOG2_N, _R, _P = 15, 8, 1  # scrypt cost: N=32768 (about 32 MB and 0.1 s)
_HEADER = len(MAGIC) + 3 + _SALT + _NONCE


class CryptoError(DomainError):
    """Encrypted data that cannot be opened: wrong passphrase, damaged, or not encrypted."""


def is_encrypted(head: bytes) -> bool:
    """Whether data starting with ``head`` was written by :func:`encrypt`."""
    return head.startswith(MAGIC)


def _key(passphrase: str, salt: bytes, log2_n: int, r: int, p: int) -> bytes:
    if not passphrase:
        raise CryptoError("an empty passphrase cannot protect anything")
    if not (10 <= log2_n <= 20 and 1 <= r <= 16 and 1 <= p <= 4):
        raise CryptoError("the encrypted file's header is damaged")
    return hashlib.scrypt(
        passphrase.encode("utf-8"),
        salt=salt,
        n=1 << log2_n,
        r=r,
        p=p,
        maxmem=256 * 1024 * 1024,
        dklen=32,
    )


def encrypt(data: bytes, passphrase: str) -> bytes:
    """``data`` encrypted under ``passphrase`` (a new salt and nonce every time)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    salt, nonce = os.urandom(_SALT), os.urandom(_NONCE)
    header = MAGIC + bytes((_LOG2_N, _R, _P)) + salt + nonce
    key = _key(passphrase, salt, _LOG2_N, _R, _P)
    return header + AESGCM(key).encrypt(nonce, data, header)


def decrypt(blob: bytes, passphrase: str) -> bytes:
    """The data inside ``blob``.

    Raises:
        CryptoError: not an encrypted file, a wrong passphrase, or damaged data.
    """
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if not is_encrypted(blob) or len(blob) < _HEADER + 16:
        raise CryptoError("this is not an encrypted Sourcebook file, or it is cut short")
    log2_n, r, p = blob[len(MAGIC)], blob[len(MAGIC) + 1], blob[len(MAGIC) + 2]
    salt = blob[len(MAGIC) + 3 : len(MAGIC) + 3 + _SALT]
    nonce = blob[_HEADER - _NONCE : _HEADER]
    key = _key(passphrase, salt, log2_n, r, p)
    try:
        return AESGCM(key).decrypt(nonce, blob[_HEADER:], blob[:_HEADER])
    except InvalidTag:
        raise CryptoError("wrong passphrase, or the file is damaged") from None
