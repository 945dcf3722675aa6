"""A site's week as text, CSV, JSON and a coordinator's .ics: the rows of ``regimen due`` and the
deviations and tallies of ``regimen deviations`` (see regimen/site/)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from typing import TYPE_CHECKING

from .terminal import Mark, View

if TYPE_CHECKING:
    from ..site import Deviation, DueRow, Tally

__all__ = ["DEVIATION_COLUMNS", "DUE_COLUMNS", "deviations_csv", "deviations_json", "deviations_table", "due_csv", "due_ics",
           "due_json", "due_table"]

DUE_COLUMNS = ("date", "last", "earliest", "latest", "closes_in", "patient", "protocol", "arm", "activity", "what", "dose", "status",
               "doses", "labs_before")
DEVIATION_COLUMNS = ("patient", "protocol", "arm", "date", "kind", "activity", "detail")


def _due_cells(row: DueRow) -> tuple[str, ...]:
    """CSV cells; a home-dosing row after the first dose has no window: its window cells are empty."""
    window = (row.earliest.isoformat(), row.latest.isoformat(), str(row.closes_in)) if row.windowed else ("", "", "")
    return (row.date.isoformat(), row.last.isoformat(), *window, row.patient, row.protocol, row.arm, row.activity, row.what, row.dose,
            row.status, str(row.doses), row.labs)


def due_table(rows: list[DueRow], first: date, last: date, today: date, view: View | None = None) -> str:
    """The week's rows, overdue first: date, patient, what, dose, status and how soon the window closes;
    under a row, its window (when it spans days) and the labs to draw before; each patient's protocol and arm after."""
    view = view or View()
    patients = len({r.patient for r in rows})
    head = (f"Due {first.isoformat()} to {last.isoformat()} (today {today.isoformat()}): {len(rows)} row{'s' if len(rows) != 1 else ''}, "
            f"{patients} patient{'s' if patients != 1 else ''}; overdue first")
    if not rows:
        return head + "\nnothing due\n"
    table = [("date", "patient", "what", "dose", "status", "closes")]
    table += [(r.date.isoformat(), r.patient, r.what, r.dose, Mark(r.status, _STATUS_ROLES.get(r.status)),
               Mark(r.closes(), "alert" if r.windowed and r.closes_in < 0 else None)) for r in rows]
    below = ["", *("\n".join(part for part in (f"window {r.window()}" if r.windowed and r.earliest != r.latest else "",
                                               f"labs before: {r.labs}" if r.labs else "") if part) for r in rows)]
    arms: dict[str, dict[str, None]] = {}
    for r in sorted(rows, key=lambda r: (r.protocol, r.arm, r.patient)):
        arms.setdefault(f"{r.protocol}/{r.arm}", {})[r.patient] = None
    return "\n".join([*view.prose([head], "heading"), "", view.table(table, wrap=(2,), below=below, below_at=2).rstrip("\n"),
                      "", "patients by protocol/arm:", *view.prose(f"  {arm}: {', '.join(who)}" for arm, who in arms.items())]) + "\n"


_STATUS_ROLES = {"overdue": "alert", "held": "alert", "skipped": "alert", "conditional": "conditional"}


def due_csv(rows: list[DueRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(DUE_COLUMNS)
    writer.writerows(_due_cells(r) for r in rows)
    return out.getvalue()


def due_json(rows: list[DueRow], first: date, last: date, today: date) -> str:
    body = [{**dict(zip(DUE_COLUMNS, _due_cells(r), strict=True)), "doses": r.doses,
             **({"closes_in": r.closes_in} if r.windowed else {"earliest": None, "latest": None, "closes_in": None})} for r in rows]
    return json.dumps({"from": first.isoformat(), "to": last.isoformat(), "today": today.isoformat(), "rows": body},
                      ensure_ascii=False, indent=1) + "\n"


def due_ics(rows: list[DueRow], today: date) -> str:
    """A coordinator's calendar across patients: one all-day event per row (a home-dosing row spans
    its days), pseudonyms only in the summaries; UIDs are UUIDv5 of the patient's calendar id and
    the row's event key, so each is unique per patient and stable from week to week."""
    from icalendar import Calendar, Event

    from .ics import PRODID, stamp_for, uid_for

    stamp = stamp_for(today)
    calendar = Calendar.new(prodid=PRODID, uid=uid_for("site/due"), name="regimen: due at the site")
    for row in rows:
        summary = f"{row.patient}: {row.what}" + (f" {row.dose}" if row.dose else "") + (f" ({row.status})" if row.status != "due" else "")
        lines = [f"{row.protocol} arm {row.arm}"] + ([f"window {row.window()} ({row.closes()})"] if row.windowed else [])
        if row.labs:
            lines.append(f"labs before: {row.labs}")
        component = Event.new(uid=uid_for(f"{row.calendar}/{row.key}"), stamp=stamp, summary=summary, description="\n".join(lines),
                              status="TENTATIVE" if row.status == "conditional" else "CONFIRMED", sequence=0)
        component.add("dtstart", row.date)
        component.add("dtend", row.last + timedelta(days=1))
        component.add("transp", "TRANSPARENT")
        component.add("x-regimen-key", row.key)
        calendar.add_component(component)
    return calendar.to_ical().decode("utf-8")


def _percent(tally: Tally) -> str:
    return "-" if tally.percent is None else f"{tally.percent:.0f}%"


def _tally_rows(tallies: list[Tally], first: str) -> list[tuple[str, ...]]:
    rows = [(first, "protocol/arm", "on time", "%", "home doses taken")]
    for t in tallies:
        home = f"{t.home_taken}/{t.home_planned}" if t.home_planned else "-"
        rows.append((t.patient, f"{t.protocol}/{t.arm}", f"{t.on_time}/{t.total}", _percent(t), home))
    return rows


def deviations_table(found: list[Deviation], patients: list[Tally], arms: list[Tally], today: date, view: View | None = None) -> str:
    view = view or View()
    out = [*view.prose([f"Deviations up to {today.isoformat()}: {len(found)} in {len(patients)} patient{'s' if len(patients) != 1 else ''}"],
                       "heading"), ""]
    if found:
        out.append(view.table([("patient", "date", "kind", "activity", "detail"),
                               *((d.patient, d.date.isoformat(), Mark(d.kind, "alert"), d.activity, d.detail) for d in found)]))
    else:
        out.append("no deviations\n")
    out += [*view.prose(["On time per patient (clinic occurrences and home-dosing starts up to today):"], "heading"), "",
            view.table(_tally_rows(patients, "patient")), *view.prose(["On time per protocol arm:"], "heading"), "",
            view.table(_tally_rows(arms, "patients"))]
    return "\n".join(out)


def deviations_csv(found: list[Deviation], patients: list[Tally], arms: list[Tally]) -> str:
    """Deviations, one a row; then the tallies as rows of kind ``on time`` (patient) and ``on time, arm``."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(DEVIATION_COLUMNS)
    writer.writerows((d.patient, d.protocol, d.arm, d.date.isoformat(), d.kind, d.activity, d.detail) for d in found)
    for kind, tallies in (("on time", patients), ("on time, arm", arms)):
        writer.writerows((t.patient, t.protocol, t.arm, "", kind, "", _tally_text(t)) for t in tallies)
    return out.getvalue()


def _tally_text(t: Tally) -> str:
    return f"{t.on_time}/{t.total} ({_percent(t)}); home doses taken {t.home_taken}/{t.home_planned}"


def deviations_json(found: list[Deviation], patients: list[Tally], arms: list[Tally], today: date) -> str:
    def tally(t: Tally, name: str) -> dict:
        return {name: t.patient if name == "patient" else int(t.patient), "protocol": t.protocol, "arm": t.arm, "on_time": t.on_time,
                "total": t.total, "percent": None if t.percent is None else round(t.percent, 1), "home_taken": t.home_taken,
                "home_planned": t.home_planned}

    body = {"today": today.isoformat(),
            "deviations": [{**d._asdict(), "date": d.date.isoformat()} for d in found],
            "patients": [tally(t, "patient") for t in patients], "arms": [tally(t, "patients") for t in arms]}
    return json.dumps(body, ensure_ascii=False, indent=1) + "\n"
