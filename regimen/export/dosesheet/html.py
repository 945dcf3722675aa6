"""A dose sheet as one printable HTML page: a header (protocol, arm, measurements, BSA method, date
printed), a block per drug (basis, measurements, formula, unrounded value, cap and rounding, dose,
what to take or prepare), the assumptions these doses use, and signature lines.

Every value that comes from a protocol file or the patient's input is escaped here.
"""

from __future__ import annotations

from typing import Any

from ...units import format_number
from ..page import document, escape

__all__ = ["CSS", "page"]

CSS = """
.facts th, .drug th { width: 32mm; font-weight: normal; color: #444; }
td { overflow-wrap: anywhere; }
.drug { margin: 0 0 4mm; break-inside: avoid; page-break-inside: avoid; }
.drug h3 { font-size: 11pt; margin: 0 0 1mm; }
.drug h3 .dose, td.dose { font-weight: bold; }
td.prepare, td.take { font-weight: bold; background: #f2f2f2; }
.notice { border: 0.4mm solid #a00; padding: 1mm 2mm; }
.assumptions li { margin: 0 0 1.5mm; }
.status { font-weight: bold; }
.signatures { margin-top: 6mm; break-inside: avoid; page-break-inside: avoid; }
.signatures th { width: 28mm; border: none; font-weight: normal; }
.signatures td { border: none; border-bottom: 0.3mm solid #111; height: 11mm; }
.signatures td.gap { border-bottom: none; width: 6mm; }
@media print { .drug, .signatures { break-inside: avoid; } }
"""


def page(data: dict[str, Any]) -> str:
    protocol, arm = data["protocol"], data["arm"]
    title = f"Dose sheet: {protocol['id']}, arm {arm['id']}"
    body = [f"<h1>{escape(title)}</h1>", _facts(data)]
    if data["notice"]:
        body.append(f'<p class="notice">{escape(data["notice"])}</p>')
    body.append("<h2>Doses per administration</h2>")
    body += [_drug(drug) for drug in data["drugs"]] or ["<p>This arm has no drug doses.</p>"]
    body.append(_assumptions(data["assumptions"]))
    body.append(_signatures())
    return document(title, "\n".join(body), css=CSS)


def _facts(data: dict[str, Any]) -> str:
    protocol, arm, patient, method = data["protocol"], data["arm"], data["patient"], data["bsa_method"]
    measured = [f"weight {patient['weight']['given']}"] + ([f"height {patient['height']['given']}"] if patient["height"] else [])
    rows = [
        ("Protocol", f"{protocol['id']}: {protocol['title']} (record {protocol['record_date']}; encoding {protocol['version']})"),
        ("Arm", f"{arm['id']}: {arm['label']}"),
        ("Measurements", "; ".join(measured)),
        ("BSA method", f"{method['name']}: {method['formula']} ({method['source']})"),
    ]
    if data["choices"]:
        rows.append(("Choices", "; ".join(f"{c['name']} = {c['value']}" + (" (default)" if c["default"] else "") for c in data["choices"])))
    rows.append(("Date printed", data["printed"]))
    cells = "".join(f"<tr><th>{escape(name)}</th><td>{escape(value)}</td></tr>" for name, value in rows)
    return f'<table class="facts">{cells}</table>'


def _drug(drug: dict[str, Any]) -> str:
    steps = {step["step"]: step for step in drug["steps"]}
    route = f" ({drug['route']})" if drug["route"] else ""
    head = (f'<h3><span class="name">{escape(drug["name"])}</span>{escape(route)}: '
            f'<span class="dose">{escape(drug["dose"]["text"])}</span> per administration</h3>')
    rows = [("Basis", f"{drug['basis_text']}: {drug['prescribed']}", ""),
            ("Measurements", _measurements(steps), "")]
    product = steps.get("product")
    rows.append(("Formula", product["text"] if product else next(s["text"] for s in drug["steps"]), ""))
    rows.append(("Unrounded", f"{_number(drug['unrounded'])}", ""))
    cap = steps.get("cap")
    rows.append(("Cap / rounding", f"{cap['text'] if cap else 'no maximum stated'}; {drug['rounding']}", ""))
    rows.append(("Dose", drug["dose"]["text"] + " per administration", "dose"))
    if drug["take"]:
        rows.append(("Take", drug["take"], "take"))
    if drug["prepare"]:
        rows.append(("Prepare", drug["prepare"], "prepare"))
    if drug["product"]:
        item = drug["product"]
        rows.append(("Product", f"{item['form']}s: {', '.join(item['labels'])}; source: {item['source'] or 'not stated'}", ""))
    if drug["assumptions"]:
        rows.append(("Assumptions", ", ".join(drug["assumptions"]), ""))
    cells = "".join(f'<tr><th>{escape(name)}</th><td class="{css}">{escape(value)}</td></tr>' if css else
                    f"<tr><th>{escape(name)}</th><td>{escape(value)}</td></tr>" for name, value, css in rows)
    return f'<section class="drug" data-activity="{escape(drug["activity"])}">{head}<table>{cells}</table></section>'


def _measurements(steps: dict[str, dict[str, Any]]) -> str:
    shown = [steps[name]["text"] for name in ("weight", "height", "bsa", "band") if name in steps]
    return "; ".join(shown) or "none (the dose does not depend on body size)"


def _number(value: dict[str, Any]) -> str:
    return f"{format_number(value['value'], 4)} {value['unit']}"


def _assumptions(assumptions: list[dict[str, Any]]) -> str:
    if not assumptions:
        return "<h2>Assumptions these doses use</h2><p>None: every number above is stated by the record.</p>"
    items = "".join(f'<li><b>{escape(a["id"])}</b> <span class="status">[{escape(a["status"])}]</span>: {escape(a["text"])}'
                    f"<br>source: {escape(a['source'])}</li>" for a in assumptions)
    return f'<h2>Assumptions these doses use</h2><ul class="assumptions">{items}</ul>'


def _signatures() -> str:
    rows = "".join(f'<tr><th>{who}</th><td></td><td class="gap"></td><th>Date</th><td></td></tr>'
                   for who in ("Prepared by", "Checked by"))
    return f'<h2>Signatures</h2><table class="signatures">{rows}</table>'
