"""Packages that import a name's module only when the name is first used.

    __getattr__, __dir__, __all__ = lazy_exports(__name__, {"retention": ["plan_retention"], ...})

so ``from kitlib.lifecycle import plan_retention`` loads ``retention`` alone, and ``kit --help``
does not load the capstone checker.
"""
from __future__ import annotations

import sys
from importlib import import_module
from typing import Callable

__all__ = ["lazy_exports"]


def lazy_exports(package: str, names: dict[str, list[str]]) -> tuple[Callable, Callable, list[str]]:
    """A package's ``__getattr__``, ``__dir__`` and ``__all__`` for ``{module: [names]}``."""
    where = {name: module for module, group in names.items() for name in group}
    exported = sorted(where)

    def __getattr__(name: str):
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(f".{where[name]}", package), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return exported

    return __getattr__, __dir__, exported
