"""Documents people sign or send: letters to customers (and, later, other reports).

``generate_letters`` writes deletion, transfer and relocation letters in bulk with a mailing log
and ledger entries; ``mailing_plan`` previews who gets which letter, in which language and how.
"""
from .letters import (CHANNELS, LETTER_KINDS, LOG_COLUMNS, LetterError, MailingLog, generate_letters,
                      mailing_plan)

__all__ = ["CHANNELS", "LETTER_KINDS", "LOG_COLUMNS", "LetterError", "MailingLog", "generate_letters",
           "mailing_plan"]
