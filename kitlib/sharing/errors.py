"""Errors of the sharing package: each a ValueError with one line naming the file, line, field,
row or duty concerned."""
from __future__ import annotations

__all__ = ["SharingError", "RegistryError", "AgreementError", "ShareRefused", "AuthorizationError"]


class SharingError(ValueError):
    """Sharing cannot go ahead as asked; the message says what and where."""


class RegistryError(SharingError):
    """The purpose registry or the agreement checklist cannot be used (file:line: field: problem)."""


class AgreementError(SharingError):
    """An agreement file cannot be read (file:line: field: problem)."""


class ShareRefused(SharingError):
    """A share was refused before anything left: ``duties`` lists every duty not met."""

    def __init__(self, message: str, duties=None):
        super().__init__(message)
        self.duties = duties


class AuthorizationError(SharingError):
    """An authorization cannot be granted, changed or revoked as asked."""
