"""Crypto-shredding: erase a customer by deleting their data key.

Every copy of the customer's encrypted values, in the working frame, an exported CSV or a
backup, then fails with KeyShredded, while every other customer still decrypts.  Deleting one
key row is O(1) in the size of the store; the file overwrites it (``secure_delete``).  Open a
frame that still holds shredded customers with ``decrypt_frame(..., on_shredded="mask")``.

What it does not reach: plaintext copies made before encryption, and a copy of the key store
file taken before the shred (keep key-store backups short-lived, and shred there too).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

from .keys import KeyStore

__all__ = ["ShredRecord", "shred_customer", "METHOD"]

METHOD = "crypto-shredding: the customer's data key was deleted (secure_delete) from the key store"


@dataclass(frozen=True)
class ShredRecord:
    """What was erased, by whom, why and when: one entry for a deletion ledger."""
    customer_id: str
    key_id: str          # first 16 hex digits of SHA-256 of the deleted wrapped key (not secret)
    keystore: str        # path of the key store
    actor: str
    reason: str
    time: str            # UTC, ISO 8601
    action: str = "crypto_shred"
    method: str = METHOD

    def to_dict(self) -> dict:
        return asdict(self)


def shred_customer(keystore: KeyStore, customer_id: str, *, actor: str, reason: str, ledger=None) -> ShredRecord:
    """Delete ``customer_id``'s data key for good and return the record of it.

    ``actor`` (who) and ``reason`` (why, e.g. "PIPL Art. 47 deletion request #123") must be given.
    ``ledger``: a ``kitlib.ledger.Ledger`` that gets the destruction entry.
    UnknownCustomer if the store has no key for them, KeyShredded if it was shredded already.
    """
    for name, value in (("actor", actor), ("reason", reason)):
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"shred_customer needs a non-empty {name}")
    key_id, at = keystore.shred(customer_id, actor, reason)
    record = ShredRecord(customer_id=customer_id, key_id=key_id, keystore=str(keystore.path), actor=actor,
                         reason=reason, time=at)
    if ledger is not None:
        ledger.record_shred(record)
    return record
