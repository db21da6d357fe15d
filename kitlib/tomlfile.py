"""Read a TOML file that a trainer may have edited: one-line errors that name the file."""
from __future__ import annotations

import tomllib
from pathlib import Path


def read_toml(path: Path, error: type[Exception]) -> dict:
    """The parsed file; ``error`` (the caller's exception class) with one line naming it otherwise."""
    name = path.name
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise error(f"{name}: no such file") from None
    except UnicodeDecodeError:
        raise error(f"{name}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{name}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise error(f"{name}: {exc.strerror or exc}") from None
