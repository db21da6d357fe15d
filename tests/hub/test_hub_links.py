"""kitlib.hub: nbgitpuller links, the per-module list for slides, the store URL check; `kit hub link`."""
from __future__ import annotations

import argparse
import json
from urllib.parse import parse_qs, urlsplit

import pytest

from kitlib import hub_cli
from kitlib.hub import (HubError, module_links, nbgitpuller_link, repo_folder, slide_text, store_url,
                        trainer_link)
from kitlib.learn.modules import available

HUB = "https://hub.example.org"
REPO = "https://example.org/org/pipl-kit.git"


def query(url: str) -> dict:
    parts = urlsplit(url)
    assert parts.path.endswith("/hub/user-redirect/git-pull")
    return {k: v[0] for k, v in parse_qs(parts.query, strict_parsing=True).items()}


def test_link_opens_the_notebook_in_lab_inside_the_cloned_folder():
    url = nbgitpuller_link(HUB, REPO, "v0.1.0", "notebooks/00_welcome.ipynb")
    assert url.startswith(f"{HUB}/hub/user-redirect/git-pull?repo=")
    assert query(url) == {"repo": REPO, "branch": "v0.1.0", "urlpath": "lab/tree/pipl-kit/notebooks/00_welcome.ipynb",
                          "targetpath": "pipl-kit"}


def test_link_names_the_clone_folder_because_nbgitpuller_would_keep_dot_git():
    # nbgitpuller's default folder is the URL's last segment as is ("pipl-kit.git"); the link
    # must name the folder its urlpath opens.
    for repo in (REPO, "https://example.org/org/pipl-kit", "file:///srv/git/pipl-kit.git/"):
        q = query(nbgitpuller_link(HUB, repo, "main", "notebooks/00_welcome.ipynb"))
        assert q["targetpath"] == "pipl-kit"
        assert q["urlpath"].startswith(f"lab/tree/{q['targetpath']}/")


def test_link_encodes_every_reserved_character_of_its_values():
    url = nbgitpuller_link(HUB + "/", "https://example.org/a b/kit.git?x=1&y=2", "feature/hub+x", "notebooks/a&b.ipynb")
    raw = urlsplit(url).query
    assert raw.count("&") == 3 and raw.count("=") == 4      # only the separators are literal
    assert "%2F" in raw and " " not in raw
    assert query(url)["repo"] == "https://example.org/a b/kit.git?x=1&y=2"
    assert query(url)["branch"] == "feature/hub+x"
    assert query(url)["urlpath"].endswith("/notebooks/a&b.ipynb")


def test_hub_prefix_is_kept_and_a_trailing_hub_segment_is_not_doubled():
    assert nbgitpuller_link("https://x.example.org/jhub/", REPO).startswith(
        "https://x.example.org/jhub/hub/user-redirect/git-pull?")
    assert nbgitpuller_link("https://x.example.org/hub", REPO).startswith(
        "https://x.example.org/hub/user-redirect/git-pull?")


@pytest.mark.parametrize("app, path, expected", [
    ("notebook", "notebooks/00_welcome.ipynb", "notebooks/pipl-kit/notebooks/00_welcome.ipynb"),
    ("notebook", "notebooks", "tree/pipl-kit/notebooks"),
    ("voila", "notebooks/00_welcome.ipynb", "voila/render/pipl-kit/notebooks/00_welcome.ipynb"),
    ("lab", "", "lab/tree/pipl-kit"),
])
def test_each_app_gets_its_own_urlpath(app, path, expected):
    assert query(nbgitpuller_link(HUB, REPO, "main", path, app))["urlpath"] == expected


def test_targetpath_names_the_folder_and_is_passed_to_nbgitpuller():
    q = query(nbgitpuller_link(HUB, REPO, "main", "notebooks/00_welcome.ipynb", targetpath="workshop/kit"))
    assert q["targetpath"] == "workshop/kit"
    assert q["urlpath"] == "lab/tree/workshop/kit/notebooks/00_welcome.ipynb"


def test_repo_folder_drops_dot_git_and_trailing_slash():
    assert repo_folder("https://example.org/org/kit.git") == "kit"
    assert repo_folder("https://example.org/org/kit/") == "kit"


@pytest.mark.parametrize("kwargs, field", [
    ({"hub_url": "hub.example.org"}, "hub URL"),
    ({"hub_url": "ftp://hub.example.org"}, "hub URL"),
    ({"repo": "git@example.org:org/kit.git"}, "repo"),
    ({"branch": "main; rm -rf"}, "branch"),
    ({"branch": "a..b"}, "branch"),
    ({"path": "../secrets.ipynb"}, "path"),
    ({"app": "rstudio"}, "app"),
    ({"app": "voila", "path": "notebooks"}, "path"),
])
def test_bad_input_is_one_value_error_naming_the_field(kwargs, field):
    args = {"hub_url": HUB, "repo": REPO, "branch": "main", "path": "notebooks/00_welcome.ipynb", "app": "lab"}
    args.update(kwargs)
    with pytest.raises(HubError, match=f"^{field}:") as info:
        nbgitpuller_link(**args)
    assert isinstance(info.value, ValueError) and "\n" not in str(info.value)


def test_module_links_cover_every_available_module_in_course_order():
    links = module_links(HUB, REPO, "v0.1.0")
    assert [link.module for link in links] == [m.id for m in available()]
    for link, info in zip(links, available()):
        assert query(link.url)["urlpath"] == f"lab/tree/pipl-kit/notebooks/{info.notebook}"
        assert link.title_zh == info.title("zh-CN") and link.title_en == info.title("en")


def test_module_links_for_chosen_modules_and_unknown_module_is_an_error():
    assert [link.module for link in module_links(HUB, REPO, modules=["03", "00"])] == ["03", "00"]
    with pytest.raises(KeyError, match="no module '99'"):
        module_links(HUB, REPO, modules=["99"])


def test_slide_text_lists_both_titles_and_each_url_on_its_own_line():
    links = module_links(HUB, REPO, modules=["00", "01"])
    text = slide_text(links, trainer_link(HUB, REPO))
    lines = text.splitlines()
    for link in links:
        assert any(link.title_zh in line and link.title_en in line for line in lines)
        assert f"    {link.url}" in lines
    assert "讲师看板 · Trainer dashboard" in lines
    assert query(lines[-1].strip())["urlpath"] == "lab/tree/pipl-kit/notebooks/trainer/dashboard.ipynb"


@pytest.mark.parametrize("given, expected", [
    ("postgresql://kit:pw@db.example.org/kit", "postgresql+psycopg://kit:pw@db.example.org/kit"),
    ("postgres://kit@db.example.org:5433/kit", "postgresql+psycopg://kit@db.example.org:5433/kit"),
    ("postgresql+psycopg://kit:pw@db/kit", "postgresql+psycopg://kit:pw@db/kit"),
    (" postgresql+psycopg://postgres:@/kit?host=/tmp/pg \n", "postgresql+psycopg://postgres:@/kit?host=/tmp/pg"),
])
def test_store_url_becomes_postgresql_with_psycopg(given, expected):
    assert store_url(given) == expected


@pytest.mark.parametrize("given, message", [
    ("sqlite:////srv/progress.sqlite", "needs PostgreSQL"),
    ("mysql://kit:secret@db/kit", "needs PostgreSQL"),
    ("kit:secret@db", "not a database URL"),
    ("postgresql://kit:secret@/kit", "no host"),
])
def test_store_url_refuses_what_a_hub_cannot_share_and_hides_the_password(given, message):
    with pytest.raises(HubError, match=message) as info:
        store_url(given)
    assert "secret" not in str(info.value)


def _cli(argv):
    parser = argparse.ArgumentParser(prog="kit")
    hub_cli.add_parser(parser.add_subparsers(dest="command", required=True))
    return hub_cli.run(parser.parse_args(argv))


def test_cli_prints_the_slide_list_with_the_trainer_link(capsys):
    assert _cli(["hub", "link", "--hub", HUB, "--repo", REPO, "--branch", "v0.1.0", "--trainer"]) == 0
    out = capsys.readouterr().out
    assert out == slide_text(module_links(HUB, REPO, "v0.1.0"), trainer_link(HUB, REPO, "v0.1.0"))


def test_cli_json_lines_one_per_module(capsys):
    assert _cli(["hub", "link", "--hub", HUB, "--repo", REPO, "--module", "00", "--module", "02",
                 "--app", "voila", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["module"] for r in rows] == ["00", "02"]
    assert query(rows[1]["url"])["urlpath"] == "voila/render/pipl-kit/notebooks/02_security.ipynb"
    assert rows[0]["title"]["en"] == available()[0].title("en")


def test_cli_bad_input_is_one_line_on_stderr_and_exit_2(capsys):
    assert _cli(["hub", "link", "--hub", "hub.example.org", "--repo", REPO]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kit hub link: hub URL:") and err.count("\n") == 1
    assert _cli(["hub", "link", "--hub", HUB, "--repo", REPO, "--module", "99"]) == 2
    assert "no module '99'" in capsys.readouterr().err
