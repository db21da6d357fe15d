"""Widgets (ipywidgets) that present what the other packages compute."""
from .quiz import Quiz

__all__ = ["Quiz"]
