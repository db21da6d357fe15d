"""The company's ledger (台账): an append-only, hash-chained, signed record of what was done with
personal information — destruction, migration, sharing, queries, requests, incidents …

In a dispute PIPL Art. 69 presumes fault; this is the evidence.  See ``kitlib.ledger.ledger``.
"""
from .ledger import ENTRY_TYPES, GENESIS, Checkpoint, Entry, Ledger, LedgerError, Verification, entry_hash

__all__ = ["ENTRY_TYPES", "GENESIS", "Checkpoint", "Entry", "Ledger", "LedgerError", "Verification", "entry_hash"]
