"""The facilitator's console in one Voilà server publishes a run; a role's page served by
``kit exercise join`` (another server, another kernel) follows it, in Chromium.

The facilitator's notebook plays ``exercises/crm-export-during-move`` on a stepped clock with a
``FacilitatorConsole`` (auto-release off) publishing to an SQLite store in the test's folder under
a run id made here.  Once its page has opened (the run exists in the store), ``python -m kitlib.cli
exercise join --run ID --role it --store URL`` serves the participant's page.  The test clicks
"Release" on the first inject listed for that role in the console's page and waits (Playwright's
expect, generous timeout) until the participant's page shows it; injects for other roles never
appear there.  Which inject, its title and text, and who receives what come from the package.
"""
from __future__ import annotations

from contextlib import contextmanager

import pytest

from kitlib.drills.live import new_run_id
from servers import BROWSER, REPO, RENDER_TIMEOUT, VOILA_PROBE, injects_for, serve, voila_args, write_notebook

pytestmark = BROWSER

PACKAGE = REPO / "exercises" / "crm-export-during-move"
SEED = 7
ROLE = "it"
FOLLOW_TIMEOUT = 60_000     # ms: a few poll intervals on a slow, shared machine


def facilitator_notebook(folder, store_url: str, run_id: str):
    console = (
        "from pathlib import Path\n"
        "from kitlib.drills import Run, SteppedClock, load_package\n"
        "from kitlib.drills.live import Publisher\n"
        "from kitlib.ui.console import FacilitatorConsole\n"
        f"run = Run(load_package(Path({str(PACKAGE)!r})), {SEED}, clock=SteppedClock())\n"
        f"publisher = Publisher(run, {store_url!r}, run_id={run_id!r})\n"
        "console = FacilitatorConsole(run, lang='en', auto_release=False, report_dir='drill-report',\n"
        "                             publish=publisher)\n"
        "console.add_class('kit-console')\n"
        "console")
    return write_notebook(folder / "facilitator.ipynb", [console])


@pytest.fixture
def live(tmp_path):
    """(store URL, run id, facilitator's server)."""
    store_url, run_id = f"sqlite:///{tmp_path / 'live.sqlite'}", new_run_id()
    folder = tmp_path / "facilitator"
    folder.mkdir()
    facilitator_notebook(folder, store_url, run_id)
    for server in serve(folder, "voila", voila_args("facilitator.ipynb"), VOILA_PROBE):
        yield store_url, run_id, server


@contextmanager
def participant_server(tmp_path, store_url: str, run_id: str):
    folder = tmp_path / "participant"
    folder.mkdir()
    args = ["kitlib.cli", "exercise", "join", "--run", run_id, "--role", ROLE, "--store", store_url,
            "--no-browser", "--lang", "en"]
    yield from serve(folder, "join", args, VOILA_PROBE)



def test_release_in_the_console_reaches_the_role_page_served_by_another_process(live, page, shots, tmp_path):
    from playwright.sync_api import expect

    store_url, run_id, facilitator = live
    target, others = injects_for(PACKAGE, SEED, ROLE)
    title, text = target.title.get("en"), target.text.get("en")
    page.goto(facilitator.url + "/")
    console = page.locator(".kit-console")
    expect(console).to_contain_text(f"Shared live, run id {run_id}", timeout=RENDER_TIMEOUT)
    expect(console).to_contain_text(f"kit exercise join --run {run_id} --role ROLE")
    row = (console.locator(".widget-hbox").filter(has_text=title)
           .filter(has=page.get_by_role("button", name="Release")))
    expect(row).to_have_count(1)
    shots.shot(console, "console-before")

    with participant_server(tmp_path, store_url, run_id) as joined:
        participant = page.context.new_page()
        try:
            participant.goto(joined.url + "/")
            expect(participant.get_by_text("What IT sees")).to_be_visible(timeout=RENDER_TIMEOUT)
            expect(participant.get_by_text(f"Following run {run_id} as IT")).to_be_visible()
            view = participant.locator("body")
            expect(view).to_contain_text("No message yet.")
            expect(view).not_to_contain_text(title)
            shots.shot(participant, "participant-before")

            row.get_by_role("button", name="Release").click()
            expect(console).to_contain_text(f"Released inject {target.id}: {title}")
            shots.shot(console, "console-after-release")

            expect(view).to_contain_text(title, timeout=FOLLOW_TIMEOUT)
            expect(view).to_contain_text(text)
            expect(view).not_to_contain_text("No message yet.")
            for other in others:
                expect(view).not_to_contain_text(other.title.get("en"))
            shots.shot(participant, "participant-after-release")
        except Exception as exc:
            raise AssertionError(f"{exc}\n--- facilitator's voila log ---\n{facilitator.log_tail()}"
                                 f"\n--- kit exercise join log ---\n{joined.log_tail()}") from exc
        finally:
            participant.close()
