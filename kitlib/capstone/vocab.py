"""The fixed vocabulary of a disposition plan: actions, custodians, recipients, conditions,
destruction methods (with their NIST SP 800-88 category and the media they fit) and who may be
notified — each with its zh-CN and English label.  The form's drop-downs offer exactly these.
"""
from __future__ import annotations

from ..lifecycle.destroy import CATEGORIES

__all__ = ["ACTIONS", "CUSTODIANS", "RECIPIENTS", "CONDITIONS", "NOTIFY", "METHODS", "MEDIA", "label"]

ACTIONS = {
    "migrate": ("迁移到新址", "migrate to the new site"),
    "transfer": ("转移给接收方", "transfer to a recipient"),
    "retain": ("保留至期限届满", "retain until the period ends"),
    "destroy": ("销毁", "destroy"),
}
CUSTODIANS = {
    "company": ("公司自己", "the company"),
    "archives": ("档案保管机构", "the archives custodian"),
    "successor": ("承接方", "the successor"),
}
RECIPIENTS = {
    "successor": ("承接方", "the successor"),
    "new_site": ("新址的系统", "the systems at the new site"),
    "shareholder": ("境外股东", "the foreign shareholder"),
}
CONDITIONS = {
    "separate_consent": ("只限单独同意在案的客户", "only customers whose separate consent is on record"),
}
NOTIFY = {
    "customers": ("客户", "customers"),
    "successor": ("承接方", "the successor"),
    "archives": ("档案保管机构", "the archives custodian"),
    "processor": ("受托处理者", "the processor"),
    "shareholder": ("境外股东", "the foreign shareholder"),
    "regulator": ("监管部门", "the regulator"),
}
# Where data lives, as far as destroying it goes.
MEDIA = {
    "database": ("公司自己运营的数据库", "a database the company runs"),
    "processor": ("受托处理者运营的系统", "a system a processor runs"),
    "abroad": ("境外接收方的系统", "a recipient's system abroad"),
    "backup": ("磁盘备份", "a disk backup"),
    "tape": ("备份磁带", "backup tapes"),
    "paper": ("纸质档案", "paper records"),
}
# method -> labels, NIST SP 800-88 category (None: done by someone else, who states it), media it fits.
# "crypto_shred" fits a medium only where the system is encrypted at rest (checked per system).
METHODS = {
    "delete_rows": {"zh": "删除行(逐个文件原子重写)", "en": "delete the rows (files rewritten atomically)",
                    "category": "clear", "media": ("database",)},
    "crypto_shred": {"zh": "加密擦除:删除数据密钥", "en": "crypto-shred: delete the data keys",
                     "category": "purge", "media": ("database", "backup", "tape")},
    "delete_from_backup": {"zh": "从备份中删除并重写备份", "en": "delete from the backup and rewrite it",
                           "category": "clear", "media": ("backup",)},
    "destroy_file": {"zh": "覆写并删除整个文件", "en": "overwrite and delete the whole file",
                     "category": "clear", "media": ("backup",)},
    "media_destruction": {"zh": "物理销毁介质(见证人在场)", "en": "physically destroy the media (before a witness)",
                          "category": "destroy", "media": ("tape",)},
    "cross_cut_shredding": {"zh": "交叉切碎纸", "en": "cross-cut shredding", "category": "destroy", "media": ("paper",)},
    "pulping": {"zh": "打浆", "en": "pulping", "category": "destroy", "media": ("paper",)},
    "incineration": {"zh": "焚烧", "en": "incineration", "category": "destroy", "media": ("paper",)},
    "processor_deletion": {"zh": "受托处理者删除并书面确认", "en": "the processor deletes and confirms in writing",
                           "category": None, "media": ("processor",)},
    "recipient_deletion": {"zh": "接收方按协议删除并书面确认", "en": "the recipient deletes under the agreement and confirms in writing",
                           "category": None, "media": ("abroad",)},
}
_TABLES = {"action": ACTIONS, "custodian": CUSTODIANS, "recipient": RECIPIENTS, "condition": CONDITIONS,
           "notify": NOTIFY, "medium": MEDIA}


def label(kind: str, value: str, lang: str = "en") -> str:
    """The label of ``value`` in one vocabulary (action, custodian, recipient, condition, notify,
    medium, method); the value itself when it is not in it."""
    zh = lang == "zh-CN"
    if kind == "method":
        m = METHODS.get(value)
        if m is None:
            return value
        cat = CATEGORIES[m["category"]]["zh" if zh else "en"] if m["category"] else ""
        return f"{m['zh' if zh else 'en']}" + (f"({cat})" if zh and cat else f" ({cat})" if cat else "")
    pair = _TABLES[kind].get(value)
    return value if pair is None else pair[0 if zh else 1]
