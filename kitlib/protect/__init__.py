"""Security measures on the case company's data (PIPL Art. 51: encryption, de-identification,
access permissions): managed keys, column encryption, crypto-shredding, pseudonyms, masking,
generalisation, de-identification measures, access control with an access log and audit.

The safe calls are the easy ones; primitives stay inside this package:

    store = KeyStore.create("keys.db", "a long passphrase")
    enc = encrypt_frame(customers, "customers", ["resident_id", "bank_card"], store)
    decrypt_frame(enc, "customers", store)
    shred_customer(store, "C000001", actor="E0019", reason="deletion request")

Modules: keys, columns, shred, pseudonyms, transforms, deid, attacks, access, audit, plan, hunt,
errors.
"""
from .errors import (AccessDenied, KeyShredded, KeyStoreError, ProtectError, RoleFileError, TamperedCiphertext,
                     UnknownCustomer, UnknownRole, WrongColumn, WrongPassphrase)
from .keys import KeyStore
from .columns import decrypt_frame, encrypt_frame
from .shred import ShredRecord, shred_customer
from .pseudonyms import Pseudonymiser, unsalted_sha256
from .transforms import age_band, mask_column, suppress, to_district
from .deid import k_anonymity, l_diversity
from .access import AccessLog, guarded_view, load_roles

__all__ = ["ProtectError", "KeyStoreError", "WrongPassphrase", "UnknownCustomer", "KeyShredded",
           "TamperedCiphertext", "WrongColumn", "AccessDenied", "UnknownRole", "RoleFileError",
           "KeyStore", "encrypt_frame", "decrypt_frame", "shred_customer", "ShredRecord",
           "Pseudonymiser", "unsalted_sha256", "mask_column", "age_band", "to_district", "suppress",
           "k_anonymity", "l_diversity", "AccessLog", "guarded_view", "load_roles"]
