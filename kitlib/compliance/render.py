"""Jinja2 rendering of the compliance documents (templates in kitlib/templates/compliance/)."""
from __future__ import annotations

from importlib import resources

import jinja2

__all__ = ["render"]


def _env(autoescape: bool) -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FunctionLoader(
        lambda name: resources.files("kitlib").joinpath("templates", "compliance", name).read_text(encoding="utf-8")),
        autoescape=autoescape, keep_trailing_newline=True, undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True)


def render(template: str, lang: str = "both", **context) -> str:
    """Render ``template`` with ``show_zh``/``show_en`` set from ``lang`` (zh-CN, en or both)."""
    if lang not in ("zh-CN", "en", "both"):
        from .programme import ComplianceError
        raise ComplianceError(f"lang: {lang!r} is not zh-CN, en or both")
    env = _env(template.endswith(".html.j2"))
    return env.get_template(template).render(show_zh=lang in ("zh-CN", "both"), show_en=lang in ("en", "both"),
                                             **context)
