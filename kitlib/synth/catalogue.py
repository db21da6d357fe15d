"""Ground truth for every column the generator writes: what it is, how the company's policy
grades it, whether PIPL Art. 28 makes it sensitive, and why it may (or may not) be kept.

Tiers are the seed's internal scheme (一般 general / 敏感 sensitive / 核心 core): "sensitive"
follows PIPL Art. 28; "core" is this company's most critical customer data (identifiers that
alone enable fraud), not the Data Security Law's national "core data".
"""
from __future__ import annotations

import pandas as pd

TIERS = {"general": "一般", "sensitive": "敏感", "core": "核心", "none": "非个人信息"}

# kind → (PIPL category, tier, Art. 28 sensitive)
KINDS = {
    "person_name": ("identity", "general", False),
    "gender": ("identity", "general", False),
    "birth_date": ("identity", "general", False),
    "age": ("identity", "general", False),
    "nationality": ("identity", "general", False),
    "cn_resident_id": ("identity_document", "core", True),
    "passport": ("identity_document", "core", True),
    "cn_passport": ("identity_document", "core", True),
    "cn_mobile": ("contact", "general", False),
    "cn_landline": ("contact", "general", False),
    "email": ("contact", "general", False),
    "address": ("contact", "general", False),
    "region": ("contact", "general", False),
    "bank_card": ("financial_account", "core", True),
    "bank_name": ("financial_account", "sensitive", True),
    "financial": ("financial_account", "sensitive", True),
    "minor": ("minor", "sensitive", True),
    "health": ("health", "sensitive", True),
    "religion": ("religion", "sensitive", True),
    "biometric": ("biometric", "sensitive", True),
    "location_track": ("location_track", "sensitive", True),
    "cn_plate": ("identity", "general", False),
    "ip_address": ("device_network", "general", False),
    "customer_id": ("identifier", "general", False),
    "transaction": ("transaction", "general", False),
    "invoice": ("transaction", "general", False),
    "consent_record": ("consent", "general", False),
    "access_record": ("processing_record", "general", False),
    "preference": ("preference", "general", False),
    "free_text": ("free_text", "sensitive", True),
    "employee": ("employee", "general", False),
    "cn_uscc": ("organisation", "none", False),
    "organisation": ("organisation", "none", False),
    "system": ("system", "none", False),
}

# Retention rules: code → (years or None, basis, certainty per the kit's legal reference)
RETENTION = {
    "delete_when_purpose_ends": (None, "PIPL Arts. 19, 47: keep only as long as the purpose needs; delete when the service ends", "V"),
    "tax_records_10y": (10, "Tax Collection Administration Implementing Rules Art. 29: invoices and tax records 10 years", "V"),
    "accounting_vouchers_30y": (30, "Accounting Archives Measures (Order 79): vouchers and books 30 years; Accounting Law Art. 23", "S"),
    "processing_records_3y": (3, "PIPL Art. 56 and Network Data Security Management Regulations Art. 12: processing records at least 3 years", "V"),
    "consent_evidence_policy": (3, "Company policy: keep proof of consent while claims are possible (PIPL Art. 69 presumes fault); no statute fixes a period", "U"),
    "company_archives": (None, "Archives Law Art. 16: a dissolved enterprise hands over its archives as required", "V"),
    "hr_policy": (None, "Employee records: outside the kit's legal reference; company policy", "U"),
}

_ART28_BASIS = {
    "identity_document": "Art. 28 lists specific identity (特定身份); treating ID numbers as such is common practice (GB/T 35273 Annex B) — company policy, not settled by the reference",
    "financial_account": "PIPL Art. 28: financial accounts",
    "minor": "PIPL Arts. 28, 31: all information of minors under 14",
    "health": "PIPL Art. 28: medical health",
    "religion": "PIPL Art. 28: religious belief",
    "biometric": "PIPL Art. 28: biometrics",
    "location_track": "PIPL Art. 28: location tracks (行踪轨迹)",
    "free_text": "Free text may carry any Art. 28 fact (see ticket_spans)",
}

# table → [(column, kind, retention, English description)]
COLUMNS = {
    "company": [
        ("name_zh", "organisation", "company_archives", "Company name (Chinese)"),
        ("name_en", "organisation", "company_archives", "Company name (English)"),
        ("entity_type_zh", "organisation", "company_archives", "Entity type (Chinese)"),
        ("entity_type_en", "organisation", "company_archives", "Entity type (English)"),
        ("uscc", "cn_uscc", "company_archives", "Unified social credit code"),
        ("registered_address", "organisation", "company_archives", "Registered address in Chongming"),
        ("registered_district", "organisation", "company_archives", "District of registration"),
        ("legal_representative", "person_name", "company_archives", "Legal representative (a natural person)"),
        ("registered_capital_cny", "organisation", "company_archives", "Registered capital"),
        ("established_on", "organisation", "company_archives", "Date of establishment"),
        ("business_zh", "organisation", "company_archives", "Business scope (Chinese)"),
        ("business_en", "organisation", "company_archives", "Business scope (English)"),
        ("scenario", "system", "company_archives", "relocation or dissolution"),
        ("decision_date", "system", "company_archives", "Shareholders' decision"),
        ("data_cutoff", "system", "company_archives", "Last day of customer activity in the data"),
        ("address_cancelled_on", "system", "company_archives", "Day the Chongming address is cancelled"),
        ("new_registered_address", "organisation", "company_archives", "New address (relocation only)"),
        ("successor", "organisation", "company_archives", "Recipient of customer data (dissolution; PIPL Art. 22)"),
    ],
    "shareholders": [
        ("shareholder", "organisation", "company_archives", "Shareholder"),
        ("country_zh", "organisation", "company_archives", "Country (Chinese)"),
        ("country_en", "organisation", "company_archives", "Country (English)"),
        ("party", "organisation", "company_archives", "chinese or foreign party"),
        ("share_pct", "organisation", "company_archives", "Equity share"),
        ("uscc_or_registration", "cn_uscc", "company_archives", "USCC or foreign registration number"),
    ],
    "timeline": [
        ("step", "system", "company_archives", "Step of the scenario"),
        ("date", "system", "company_archives", "Date"),
        ("event_zh", "system", "company_archives", "Event (Chinese)"),
        ("event_en", "system", "company_archives", "Event (English)"),
        ("basis", "system", "company_archives", "Provision behind the step"),
        ("data_cutoff", "system", "company_archives", "True on the step that freezes customer data"),
    ],
    "customers": [
        ("customer_id", "customer_id", "delete_when_purpose_ends", "Customer number (watermarked)"),
        ("customer_type", "customer_id", "delete_when_purpose_ends", "individual or corporate"),
        ("name", "person_name", "delete_when_purpose_ends", "Name (the contact person for corporate customers)"),
        ("gender", "gender", "delete_when_purpose_ends", "Gender"),
        ("birth_date", "birth_date", "delete_when_purpose_ends", "Date of birth"),
        ("age", "age", "delete_when_purpose_ends", "Age on the data cutoff date"),
        ("resident_id", "cn_resident_id", "delete_when_purpose_ends", "Resident identity card number"),
        ("nationality", "nationality", "delete_when_purpose_ends", "Nationality"),
        ("passport_no", "passport", "delete_when_purpose_ends", "Passport number (foreign customers)"),
        ("mobile", "cn_mobile", "delete_when_purpose_ends", "Mobile number"),
        ("email", "email", "delete_when_purpose_ends", "E-mail address"),
        ("province", "region", "delete_when_purpose_ends", "Province"),
        ("city", "region", "delete_when_purpose_ends", "City"),
        ("district", "region", "delete_when_purpose_ends", "District"),
        ("address", "address", "delete_when_purpose_ends", "Delivery address"),
        ("bank_name", "bank_name", "delete_when_purpose_ends", "Issuing bank of the card on file (开户行)"),
        ("bank_card", "bank_card", "delete_when_purpose_ends", "Bank card number kept for direct debit"),
        ("company_name", "organisation", "delete_when_purpose_ends", "Corporate customer's name"),
        ("uscc", "cn_uscc", "delete_when_purpose_ends", "Corporate customer's USCC"),
        ("membership_level", "preference", "delete_when_purpose_ends", "Membership level"),
        ("customer_since", "customer_id", "delete_when_purpose_ends", "Date the relationship began"),
        ("last_activity", "customer_id", "delete_when_purpose_ends", "Last activity"),
        ("marketing_consent", "consent_record", "delete_when_purpose_ends", "Marketing consent in force"),
        ("is_minor", "minor", "delete_when_purpose_ends", "Under 14 on the cutoff date"),
        ("guardian_name", "person_name", "delete_when_purpose_ends", "Guardian of a child customer"),
        ("guardian_relation", "person_name", "delete_when_purpose_ends", "Guardian's relation to the child"),
        ("guardian_mobile", "cn_mobile", "delete_when_purpose_ends", "Guardian's mobile"),
    ],
    "accounts": [
        ("account_id", "customer_id", "accounting_vouchers_30y", "Account number"),
        ("customer_id", "customer_id", "accounting_vouchers_30y", "Customer number"),
        ("product", "transaction", "accounting_vouchers_30y", "Product or plan"),
        ("contract_no", "transaction", "accounting_vouchers_30y", "Contract number"),
        ("opened_on", "transaction", "accounting_vouchers_30y", "Opened"),
        ("closed_on", "transaction", "accounting_vouchers_30y", "Closed"),
        ("status", "transaction", "accounting_vouchers_30y", "Status"),
        ("payment_method", "transaction", "accounting_vouchers_30y", "Payment method"),
    ],
    "orders": [
        ("order_id", "transaction", "accounting_vouchers_30y", "Order number"),
        ("customer_id", "customer_id", "accounting_vouchers_30y", "Customer number"),
        ("account_id", "customer_id", "accounting_vouchers_30y", "Account number"),
        ("order_date", "transaction", "accounting_vouchers_30y", "Order date"),
        ("amount_cny", "transaction", "accounting_vouchers_30y", "Amount (CNY)"),
        ("payment_method", "transaction", "accounting_vouchers_30y", "Payment method"),
        ("payment_ref", "transaction", "accounting_vouchers_30y", "Payment transaction reference"),
        ("paid_on", "transaction", "accounting_vouchers_30y", "Payment date"),
        ("invoice_no", "invoice", "tax_records_10y", "Electronic invoice (数电发票) number"),
        ("invoice_title", "person_name", "tax_records_10y", "Invoice title: a person's or company's name"),
    ],
    "consents": [
        ("consent_id", "consent_record", "consent_evidence_policy", "Consent record number"),
        ("customer_id", "customer_id", "consent_evidence_policy", "Customer number"),
        ("purpose", "consent_record", "consent_evidence_policy", "Purpose consented to"),
        ("scope", "consent_record", "consent_evidence_policy", "What the person agreed to"),
        ("channel", "consent_record", "consent_evidence_policy", "Where consent was given"),
        ("given_on", "consent_record", "consent_evidence_policy", "Date given"),
        ("separate_consent", "consent_record", "consent_evidence_policy", "Separate consent (单独同意, PIPL Arts. 23, 29, 39)"),
        ("written", "consent_record", "consent_evidence_policy", "Given in writing"),
        ("notice_version", "consent_record", "consent_evidence_policy", "Privacy notice version"),
        ("withdrawn_on", "consent_record", "consent_evidence_policy", "Date withdrawn"),
    ],
    "tickets": [
        ("ticket_id", "customer_id", "delete_when_purpose_ends", "Ticket number"),
        ("customer_id", "customer_id", "delete_when_purpose_ends", "Customer number"),
        ("opened_at", "transaction", "delete_when_purpose_ends", "Opened"),
        ("closed_at", "transaction", "delete_when_purpose_ends", "Closed"),
        ("channel", "transaction", "delete_when_purpose_ends", "Channel"),
        ("language", "transaction", "delete_when_purpose_ends", "Language of the text"),
        ("agent_id", "employee", "delete_when_purpose_ends", "Agent who handled it"),
        ("text", "free_text", "delete_when_purpose_ends", "Free text: see ticket_spans for what it embeds"),
    ],
    "employees": [
        ("employee_id", "employee", "hr_policy", "Employee number"),
        ("name", "person_name", "hr_policy", "Name"),
        ("gender", "gender", "hr_policy", "Gender"),
        ("nationality", "nationality", "hr_policy", "Chinese or foreign staff"),
        ("department", "employee", "hr_policy", "Department"),
        ("role", "employee", "hr_policy", "Role"),
        ("work_email", "email", "hr_policy", "Work e-mail"),
        ("work_mobile", "cn_mobile", "hr_policy", "Work mobile"),
        ("hired_on", "employee", "hr_policy", "Hired"),
        ("left_on", "employee", "hr_policy", "Left"),
    ],
    "access_log": [
        ("log_id", "access_record", "processing_records_3y", "Log entry"),
        ("ts", "access_record", "processing_records_3y", "Time"),
        ("employee_id", "access_record", "processing_records_3y", "Who"),
        ("system_id", "access_record", "processing_records_3y", "Which system"),
        ("action", "access_record", "processing_records_3y", "view, search, update, export or backup"),
        ("table_name", "access_record", "processing_records_3y", "Which table"),
        ("record_id", "customer_id", "processing_records_3y", "Which customer (views and updates)"),
        ("rows", "access_record", "processing_records_3y", "Rows touched"),
        ("client_ip", "ip_address", "processing_records_3y", "Workstation address"),
    ],
    "systems": [
        ("system_id", "system", "company_archives", "System"),
        ("name_zh", "system", "company_archives", "Name (Chinese)"),
        ("name_en", "system", "company_archives", "Name (English)"),
        ("kind", "system", "company_archives", "crm, erp, helpdesk, email_archive, backup, paper_archive"),
        ("location_zh", "system", "company_archives", "Where it is (Chinese)"),
        ("location_en", "system", "company_archives", "Where it is (English)"),
        ("owner_id", "employee", "company_archives", "Owner (employee)"),
        ("encrypted_at_rest", "system", "company_archives", "Encrypted at rest"),
    ],
    "system_tables": [
        ("system_id", "system", "company_archives", "System"),
        ("table_name", "system", "company_archives", "Table it holds"),
        ("copy_kind", "system", "company_archives", "primary, copy, backup or paper"),
        ("records", "system", "company_archives", "Records held"),
    ],
}

# Columns whose content is personal only for some rows, or more sensitive for some rows.
ROW_NOTES = {
    ("customers", "name"): "Rows with is_minor=True are Art. 28 sensitive (all information of minors under 14).",
    ("customers", "birth_date"): "Rows with is_minor=True are Art. 28 sensitive.",
    ("customers", "resident_id"): "Rows with is_minor=True: also Art. 31 (guardian consent).",
    ("company", "legal_representative"): "The only personal information in the company table.",
    ("customers", "company_name"): "Not personal information: an organisation.",
    ("customers", "uscc"): "Not personal information: an organisation's code.",
}


def build_catalogue() -> pd.DataFrame:
    """One row per table and column: kind, PIPL category, tier, Art. 28 flag, retention."""
    rows = []
    for table, columns in COLUMNS.items():
        for column, kind, retention, description in columns:
            category, tier, art28 = KINDS[kind]
            years, basis, certainty = RETENTION[retention]
            rows.append({
                "table": table, "column": column, "kind": kind, "pipl_category": category,
                "personal": tier != "none", "tier": tier, "tier_zh": TIERS[tier], "art28": art28,
                "art28_basis": _ART28_BASIS.get(category, "") if art28 else "",
                "retention_basis": retention, "retention_years": years, "retention_certainty": certainty,
                "description": description, "note": ROW_NOTES.get((table, column), ""),
            })
    frame = pd.DataFrame(rows)
    frame["retention_years"] = frame["retention_years"].astype("Int64")
    return frame


def retention_rules() -> pd.DataFrame:
    return pd.DataFrame([(code, years, basis, cert) for code, (years, basis, cert) in RETENTION.items()],
                        columns=["code", "years", "basis", "certainty"]).astype({"years": "Int64"})
