"""Training and tabletop-exercise kit for customer personal information at a company's address cancellation."""
__version__ = "0.1.0"
