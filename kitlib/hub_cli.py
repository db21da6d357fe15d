"""``kit hub link``: nbgitpuller links for every module, as a list to paste into slides.

Wired into ``kit`` by ``kitlib.cli`` with ``add_parser(subparsers)`` and ``run(args)``.
"""
from __future__ import annotations

import argparse
import json
import sys

from .hub import APPS, HubError, module_links, slide_text, trainer_link

__all__ = ["add_parser", "run"]


def add_parser(subparsers) -> argparse.ArgumentParser:
    hub = subparsers.add_parser("hub", help="run a workshop on JupyterHub: links that hand learners the kit")
    actions = hub.add_subparsers(dest="action", required=True, parser_class=type(hub))
    link = actions.add_parser("link", help="print an nbgitpuller link per module (plain text for slides, or JSON)")
    link.add_argument("--hub", required=True, metavar="URL", help="the hub's address, e.g. https://hub.example.org")
    link.add_argument("--repo", required=True, metavar="URL", help="the kit's git repository (https)")
    link.add_argument("--branch", default="main", help="branch or tag learners get (default: main)")
    link.add_argument("--app", choices=tuple(APPS), default="lab", help="open in JupyterLab (default), Notebook or Voilà")
    link.add_argument("--module", action="append", metavar="ID", dest="modules",
                      help="only this module (repeatable; default: every available module)")
    link.add_argument("--targetpath", help="folder in the learner's home (default: the repository's name)")
    link.add_argument("--trainer", action="store_true", help="add the trainer's dashboard link")
    link.add_argument("--json", action="store_true", help="JSON lines instead of the text list")
    return hub


def run(args) -> int:
    try:
        links = module_links(args.hub, args.repo, args.branch, args.app, modules=args.modules,
                             targetpath=args.targetpath)
        trainer = trainer_link(args.hub, args.repo, args.branch, args.app, args.targetpath) if args.trainer else None
    except (HubError, KeyError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) else str(exc)
        print(f"kit hub link: {message}", file=sys.stderr)
        return 2
    if args.json:
        for link in links:
            print(json.dumps({"module": link.module, "title": {"zh-CN": link.title_zh, "en": link.title_en},
                              "minutes": link.minutes, "url": link.url}, ensure_ascii=False))
        if trainer:
            print(json.dumps({"module": "trainer", "url": trainer}, ensure_ascii=False))
    else:
        print(slide_text(links, trainer), end="")
    return 0
