"""The exceptions of kitlib.protect: one class per thing that can go wrong, each with a one-line
message that names the file, or the table, row and column concerned.

Nothing in kitlib.protect returns garbage or a partly decrypted frame: it raises one of these.
"""
from __future__ import annotations

__all__ = ["ProtectError", "KeyStoreError", "WrongPassphrase", "UnknownCustomer", "KeyShredded",
           "TamperedCiphertext", "WrongColumn", "AccessDenied", "UnknownRole", "RoleFileError"]


class ProtectError(Exception):
    """Base class of every error raised by kitlib.protect."""


class KeyStoreError(ProtectError):
    """A key store file that is missing, damaged, of another format or not private (mode 0600)."""


class WrongPassphrase(ProtectError):
    """The passphrase (or master key) does not open this key store."""


class UnknownCustomer(ProtectError):
    """No data key was ever made for this customer (a typo, or another company's store)."""


class KeyShredded(ProtectError):
    """The customer's data key was shredded: their ciphertexts can never be decrypted again."""


class TamperedCiphertext(ProtectError):
    """A value that does not authenticate: changed, truncated, or moved from another row or column."""


class WrongColumn(ProtectError):
    """A column that is not in the frame, or holds no ciphertext of this kit."""


class AccessDenied(ProtectError):
    """A role asked for a column or a purpose it is not allowed."""


class UnknownRole(ProtectError):
    """A role that the roles file does not define."""


class RoleFileError(ProtectError):
    """A roles file that cannot be read or that breaks its schema (names the file and field)."""
