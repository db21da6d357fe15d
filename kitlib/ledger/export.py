"""Ledger exports: CSV for analysis, a bilingual print-ready HTML table for the file or a regulator.

Both hold the entries exactly as stored (subjects and details as the JSON text that was hashed),
so anyone can recompute every hash from the export alone.  Both are written atomically.
"""
from __future__ import annotations

import html
from pathlib import Path

from ..atomic import write_text_atomic

TYPE_LABELS = {
    "destruction": "销毁 · destruction", "migration": "迁移 · migration", "backup": "备份 · backup",
    "restore": "恢复 · restore", "share": "提供 · share", "change": "变更 · change", "query": "查询 · query",
    "request": "请求 · request", "dispute": "争议 · dispute", "notification": "通知 · notification",
    "incident": "事件 · incident", "training": "培训 · training",
}
HEADINGS = {
    "seq": "序号 · Seq", "time": "时间 (UTC) · Time (UTC)", "type": "类型 · Type", "actor": "操作人 · Actor",
    "subjects": "主体（假名） · Subjects (pseudonyms)", "details": "详情 · Details",
    "prev_hash": "前一哈希 · Previous hash", "hash": "哈希 · Hash",
}

_STYLE = """
body { font-family: "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif; margin: 2em; color: #111; }
h1 { font-size: 1.4em; margin-bottom: .2em; }
p.meta { margin: .2em 0; color: #333; }
p.bad { color: #a00; font-weight: bold; }
table { border-collapse: collapse; width: 100%; font-size: 9pt; margin-top: 1em; }
th, td { border: 1px solid #999; padding: 3px 5px; vertical-align: top; text-align: left; }
th { background: #eee; }
td.hash, td.json { font-family: monospace; word-break: break-all; }
tr { page-break-inside: avoid; }
thead { display: table-header-group; }
@media print { body { margin: 0; } @page { size: A4 landscape; margin: 12mm; } }
"""


def export_csv(ledger, path) -> Path:
    """The entries as UTF-8 CSV with a BOM (Excel reads the Chinese), written atomically."""
    return write_text_atomic(path, ledger.to_frame().to_csv(index=False), encoding="utf-8-sig")


def export_html(ledger, path) -> Path:
    """The entries and checkpoints as one print-ready HTML page, written atomically."""
    return write_text_atomic(path, render_html(ledger))


def render_html(ledger) -> str:
    frame = ledger.to_frame()
    result = ledger.verify()
    status = (f'<p class="meta">链校验 · Chain check: {html.escape(str(result))}</p>' if result.ok
              else f'<p class="meta bad">链校验 · Chain check: {html.escape(str(result))}</p>')
    head = "".join(f"<th>{html.escape(HEADINGS[c])}</th>" for c in frame.columns)
    body = "\n".join(_row(r) for r in frame.to_dict("records"))
    marks = "".join(f"<tr><td>{c.seq}</td><td>{html.escape(c.time)}</td><td class=\"hash\">{c.hash}</td>"
                    f"<td class=\"hash\">{c.public_key}</td></tr>" for c in ledger.checkpoints())
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>台账 · Ledger</title><style>{_STYLE}</style></head>
<body>
<h1>台账 · Ledger</h1>
<p class="meta">{len(frame)} 条记录 · entries; 主体为假名 · subjects are pseudonyms; 哈希 = SHA-256</p>
{status}
<table><thead><tr>{head}</tr></thead>
<tbody>
{body}
</tbody></table>
<h2>签名检查点 · Signed checkpoints</h2>
<table><thead><tr><th>{HEADINGS['seq']}</th><th>{HEADINGS['time']}</th><th>{HEADINGS['hash']}</th>
<th>公钥 · Public key (Ed25519)</th></tr></thead>
<tbody>{marks}</tbody></table>
</body></html>
"""


def _row(r: dict) -> str:
    cells = [str(r["seq"]), html.escape(r["time"]), html.escape(TYPE_LABELS.get(r["type"], r["type"])),
             html.escape(r["actor"])]
    json_cells = [f'<td class="json">{html.escape(r[c])}</td>' for c in ("subjects", "details")]
    hash_cells = [f'<td class="hash">{html.escape(r[c])}</td>' for c in ("prev_hash", "hash")]
    return "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "".join(json_cells + hash_cells) + "</tr>"
