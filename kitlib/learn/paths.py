"""Where the kit keeps a learner's files: ``KIT_DATA_DIR``, else the platform's user data dir."""
from __future__ import annotations

import os
from pathlib import Path

ENV = "KIT_DATA_DIR"


def data_dir() -> Path:
    """The folder for the progress database, certificates and the learner profile (not created)."""
    explicit = os.environ.get(ENV, "").strip()
    if explicit:
        return Path(explicit).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("kit", "kitlib"))
