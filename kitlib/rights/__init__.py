"""Individuals' requests (module 06, seed sections 七 and 八): PIPL Arts. 44-50.

* ``vocab``      request types with their articles, states, reasons, outcomes (zh-CN and en);
* ``requests``   a request, its identity check and its workflow, each step in the ledger;
* ``deadlines``  answer deadlines on Chinese working days (the company's commitment: PIPL sets none);
* ``changes``    correction, deletion (against the retention plan), withdrawal of consent;
* ``copies``     access and copy, portability, explanation of the processing rules;
* ``answers``    answer letters (full, in part, refused, forwarded to the successor);
* ``queue``      a realistic request queue with the hard cases; ``triage`` the right first decision;
* ``drills06``   module 06's exercise "request-triage".
"""
from __future__ import annotations

from .answers import answer_letter, letter_kind, write_answer
from .changes import Correction, Deletion, Withdrawal, correct, delete, withdraw_consent
from .copies import AccessCopy, Explanation, access_copy, explain_processing, portability
from .deadlines import DeadlineError, deadline_note, due_date, is_overdue, load_policy, working_days_between
from .drills06 import TriageDrill, request_facts, triage_exercise
from .queue import HARD_CASES, RequestQueue, request_queue
from .requests import TRANSITIONS, Deceased, IdentityCheck, Request, RequestError, Requester, check_identity
from .triage import Triage, triage
from .vocab import OUTCOMES, REASONS, REQUEST_TYPES, STATES

__all__ = ["AccessCopy", "Correction", "DeadlineError", "Deceased", "Deletion", "Explanation", "HARD_CASES",
           "IdentityCheck", "OUTCOMES", "REASONS", "REQUEST_TYPES", "Request", "RequestError", "RequestQueue",
           "Requester", "STATES", "TRANSITIONS", "Triage", "TriageDrill", "Withdrawal", "access_copy",
           "answer_letter", "check_identity", "correct", "deadline_note", "delete", "due_date", "explain_processing",
           "is_overdue", "letter_kind", "load_policy", "portability", "request_facts", "request_queue", "triage",
           "triage_exercise", "withdraw_consent", "working_days_between", "write_answer"]
