"""The facilitator's console releases an inject and the participant view shows it, in Chromium.

Voilà serves a two-cell notebook: a drill run of ``exercises/crm-export-during-move`` on a stepped
clock with a ``FacilitatorConsole`` (auto-release off, so nothing is released until the
facilitator clicks), and a ``ParticipantView`` for one role.  Both widgets share the run inside
one kernel, on one page: that is how ``kitlib.ui.console`` connects them today.  The test clicks
"Release" on the first inject listed for that role and checks the view shows it (and did not
before), that no inject meant for other roles appears, and the console's own confirmation.
Which inject, its title and text, and who receives what come from the package, not from here.
"""
from __future__ import annotations

import pytest

from servers import BROWSER, REPO, RENDER_TIMEOUT, VOILA_PROBE, injects_for, serve, voila_args, write_notebook

pytestmark = BROWSER

PACKAGE = REPO / "exercises" / "crm-export-during-move"
SEED = 7
ROLE = "it"


def drill_notebook(folder):
    console = (
        "from pathlib import Path\n"
        "from kitlib.drills import Run, SteppedClock, load_package\n"
        "from kitlib.ui.console import FacilitatorConsole, ParticipantView\n"
        f"run = Run(load_package(Path({str(PACKAGE)!r})), {SEED}, clock=SteppedClock())\n"
        "console = FacilitatorConsole(run, lang='en', auto_release=False, report_dir='drill-report')\n"
        "console.add_class('kit-console')\n"
        "console")
    view = (f"view = ParticipantView(run, {ROLE!r}, lang='en')\n"
            "view.add_class('kit-participant')\n"
            "view")
    return write_notebook(folder / "drill.ipynb", [console, view])


@pytest.fixture
def voila_drill(tmp_path):
    drill_notebook(tmp_path)
    yield from serve(tmp_path, "voila", voila_args("drill.ipynb"), VOILA_PROBE)



def test_release_in_the_console_shows_the_inject_in_the_participant_view(voila_drill, page, shots):
    from playwright.sync_api import expect

    target, others = injects_for(PACKAGE, SEED, ROLE)
    title, text = target.title.get("en"), target.text.get("en")
    page.goto(voila_drill.url + "/")
    try:
        console, view = page.locator(".kit-console"), page.locator(".kit-participant")
        expect(view).to_contain_text("What IT sees", timeout=RENDER_TIMEOUT)
        expect(console).to_contain_text("Injects to release", timeout=RENDER_TIMEOUT)
        row = (console.locator(".widget-hbox").filter(has_text=title)
               .filter(has=page.get_by_role("button", name="Release")))
        expect(row).to_have_count(1)

        # Before: the view has nothing, in particular not the inject about to be released.
        expect(view).to_contain_text("No message yet.")
        expect(view).not_to_contain_text(title)
        shots.shot(console, "console-before")
        shots.shot(view, "participant-before")

        row.get_by_role("button", name="Release").click()

        expect(view).to_contain_text(title)
        expect(view).to_contain_text(text)
        expect(view).not_to_contain_text("No message yet.")
        for other in others:
            expect(view).not_to_contain_text(other.title.get("en"))
        expect(console).to_contain_text(f"Released inject {target.id}: {title}")
        expect(row).to_have_count(0)                      # no longer offered for release
        shots.shot(console, "console-after-release")
        shots.shot(view, "participant-after-release")
        shots.shot(page, "page-after-release")
    except Exception as exc:
        raise AssertionError(f"{exc}\n--- voila log ---\n{voila_drill.log_tail()}") from exc
