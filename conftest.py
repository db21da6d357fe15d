"""Shared by unit tests and nbval: tests never touch a real learner's data or progress.

Set before any kernel starts, so notebook kernels inherit it: progress, certificates and the
learner profile go to one temporary folder per test run.
"""
import os
import tempfile

_RUN_DIR = tempfile.mkdtemp(prefix="kit-test-")
os.environ["KIT_DATA_DIR"] = _RUN_DIR
os.environ["KIT_PROGRESS_URL"] = f"sqlite:///{_RUN_DIR}/progress.sqlite"
os.environ["KIT_LEARNER"] = "测试学员 Test Learner"
os.environ.pop("KIT_LANG", None)


def pytest_unconfigure(config):
    import shutil

    shutil.rmtree(_RUN_DIR, ignore_errors=True)
