"""Sharing and authorization (module 05): minimisation by purpose, the flows and their duties
(entrusted processing, provision, transfer on dissolution, cross-border), agreements checked
against a checklist, authorizations with scope and expiry, and monitoring of recipients' use.

    purposes = load_purposes()                      # data/purposes.toml
    done = share({"customers": customers}, "helpdesk", "Example Help-desk Co.", "agreement.toml",
                 consents=consents, ledger=ledger, actor="E0019")

Modules: purposes, minimise, agreements, flows, authorizations, usage, drills05, errors.
"""
from .errors import AgreementError, AuthorizationError, RegistryError, ShareRefused, SharingError
from .purposes import BASES, FLOWS, Purpose, load_purposes
from .minimise import Minimised, Recipient, consented, minimise
from .agreements import check_agreement, check_notice, draft_agreement, draft_notice, load_checklist
from .flows import Share, check_share, share
from .authorizations import Authorization, AuthorizationBook, AuthorizationNotice
from .usage import monitor, recipient_usage_log

__all__ = ["SharingError", "RegistryError", "AgreementError", "ShareRefused", "AuthorizationError",
           "FLOWS", "BASES", "Purpose", "load_purposes", "Minimised", "Recipient", "consented", "minimise",
           "check_agreement", "check_notice", "draft_agreement", "draft_notice", "load_checklist", "Share", "check_share", "share",
           "Authorization", "AuthorizationBook", "AuthorizationNotice", "monitor", "recipient_usage_log"]
