"""Learning core: question banks, progress, certificates and the trainer's view.

In a module notebook::

    from kitlib import learn
    module = learn.start("00"); module      # header card: titles, time, prerequisites, learner
    module.quiz()                           # the module's questions, checked and saved
    module.complete()                       # recorded as done, certificate written
"""
from .bank import Bank, BankError, load_bank
from .learner import current as current_learner, set_learner
from .module import Module, start
from .store import ProgressStore, StoreError

__all__ = ["Bank", "BankError", "load_bank", "current_learner", "set_learner", "Module", "start",
           "ProgressStore", "StoreError"]
