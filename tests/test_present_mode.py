"""A page served by ``kit present`` (Voilà): each participant is their own learner, and the module
is completed by a click, not by the page opening."""
from __future__ import annotations

import os

import pytest

from kitlib.learn import learner
from kitlib.learn.module import Card, Module, in_app
from kitlib.learn.store import ProgressStore
from kitlib.present import voila_environment


@pytest.fixture
def store(tmp_path):
    return ProgressStore(f"sqlite:///{tmp_path / 'progress.sqlite'}")


@pytest.fixture
def presenting(monkeypatch, tmp_path):
    monkeypatch.setenv("KIT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("KIT_PRESENT", "1")
    monkeypatch.setenv("KIT_LEARNER", "Trainer Wang")          # the trainer's, inherited by the server
    monkeypatch.delenv("QUERY_STRING", raising=False)


def test_a_presented_page_takes_the_learner_from_its_address_not_from_the_trainer(presenting, monkeypatch):
    monkeypatch.setenv("QUERY_STRING", "learner=%E5%BC%A0%E4%B8%89%20Zhang%20San&lang=en")
    assert learner.current() == "张三 Zhang San"


def test_a_presented_page_without_a_name_is_a_guest_of_its_own_kernel(presenting):
    name = learner.current()
    assert name == f"guest-{os.getpid()}" and learner.is_guest(name)
    assert "Trainer Wang" not in name


def test_outside_kit_present_the_address_is_ignored(monkeypatch, tmp_path):
    monkeypatch.setenv("KIT_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("KIT_PRESENT", raising=False)
    monkeypatch.setenv("QUERY_STRING", "learner=Mallory")
    monkeypatch.setenv("KIT_LEARNER", "Seat 7")
    assert learner.current() == "Seat 7"


def test_in_an_app_complete_waits_for_the_click_then_records_the_pages_learner(presenting, monkeypatch, store):
    monkeypatch.setenv("QUERY_STRING", "learner=Li%20Lei")
    module = Module("00", store=store)
    assert in_app()
    box = module.complete()
    assert not isinstance(box, Card)
    assert store.completions().empty                      # opening the page recorded nothing
    box.button.click()
    done = store.completions()
    assert list(done["learner"]) == ["Li Lei"] and list(done["module"]) == ["00"]
    assert "00" in box.result.value                        # the result card is shown under the button


def test_outside_an_app_complete_records_at_once(monkeypatch, tmp_path, store):
    for var in ("KIT_PRESENT", "VOILA_REQUEST_URL", "VOILA_KERNEL_ID"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("KIT_DATA_DIR", str(tmp_path))
    card = Module("00", store=store, learner="Han Meimei").complete()
    assert isinstance(card, Card)
    assert list(store.completions()["learner"]) == ["Han Meimei"]


def test_a_guest_is_told_how_to_save_under_their_name_and_sees_no_file_path(presenting, store):
    text = Module("00", store=store).header().text
    assert "?learner=" in text and str(store.safe_url) not in text


def test_kit_present_gives_each_kernel_present_mode_without_the_trainers_name():
    env = voila_environment(lang="en", base={"PATH": "/usr/bin", "KIT_LEARNER": "Trainer Wang"})
    assert env["KIT_PRESENT"] == "1" and "KIT_LEARNER" not in env and env["KIT_LANG"] == "en"
