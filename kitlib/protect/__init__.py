"""Security measures on the case company's data (PIPL Art. 51: encryption, de-identification,
access permissions): managed keys, column encryption, crypto-shredding, pseudonyms, masking,
generalisation, de-identification measures, access control with an access log and audit.

The safe calls are the easy ones; primitives stay inside this package.
"""
from .errors import (AccessDenied, KeyShredded, KeyStoreError, ProtectError, RoleFileError, TamperedCiphertext,
                     UnknownCustomer, UnknownRole, WrongColumn, WrongPassphrase)

__all__ = ["ProtectError", "KeyStoreError", "WrongPassphrase", "UnknownCustomer", "KeyShredded",
           "TamperedCiphertext", "WrongColumn", "AccessDenied", "UnknownRole", "RoleFileError"]
