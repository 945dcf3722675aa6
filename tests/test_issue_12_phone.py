"""Issue #12, item 5: a phone calendar that behaves — durations from the protocol, a time per
activity, one event per visit, home doses at a time of day, no silent UTC, and --replaces for a
plain plan. Every test sets the machine's zone itself (TZ), never relying on the CI machine's."""

import json
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from pathlib import Path

import icalendar
import pytest
import recurring_ical_events
from conftest import run_cli, run_ok
from hypothesis import given, settings
from hypothesis import strategies as st

import regimen

ARMS = [(p.id, a.id) for p in regimen.list_protocols() for a in p.arms]
PATIENT = ["--weight", "72 kg", "--height", "170 cm", "--start", "2026-12-01"]


@pytest.fixture(autouse=True)
def paris(monkeypatch):
    """This machine is in Paris unless a test says otherwise; no DTSTAMP from the environment."""
    monkeypatch.setenv("TZ", "Europe/Paris")
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


def _ics(protocol, arm, *options, horizon="52w"):
    return run_ok("schedule", protocol, "--arm", arm, *PATIENT, "--horizon", horizon, "--format", "ics", *options).stdout


def _events(text):
    return {str(e["X-REGIMEN-KEY"]): e for e in icalendar.Calendar.from_ical(text).walk("VEVENT")}


def _clinic_procedure(protocol, arm):
    found = regimen.load_protocol(protocol).arm(arm)
    return next((a.id for a in found.activities if a.kind == "procedure"), None)


@pytest.mark.parametrize("separate", [False, True], ids=["visits", "separate"])
@pytest.mark.parametrize(("protocol", "arm"), ARMS, ids=[f"{p}/{a}" for p, a in ARMS])
def test_every_arm_with_the_phone_options_expands_to_exactly_the_json_plans_days(protocol, arm, separate):
    procedure = _clinic_procedure(protocol, arm)
    options = ["--time", "default=09:00", "--dose-time", "08:00", "--tz", "Asia/Shanghai", "--remind", "1h",
               *(["--time", f"{procedure}=08:30"] if procedure else []), *(["--separate"] if separate else [])]
    _check_calendar(protocol, arm, options, "52w")


@settings(max_examples=12, deadline=None, derandomize=True, database=None)
@given(arm=st.sampled_from(ARMS), hour=st.integers(6, 17), weeks=st.integers(3, 40), separate=st.booleans(),
       zone=st.sampled_from(["Europe/Paris", "America/New_York", "Australia/Sydney", "Asia/Shanghai"]))
def test_any_time_zone_horizon_and_grouping_keeps_the_plans_days_and_distinct_starts(arm, hour, weeks, separate, zone):
    _check_calendar(*arm, ["--time", f"{hour:02d}:15", "--dose-time", f"{hour:02d}:00", "--tz", zone,
                           *(["--separate"] if separate else [])], f"{weeks}w")


def _check_calendar(protocol, arm, options, horizon):
    """The .ics expands (recurring-ical-events) to exactly the JSON plan's days per activity, every
    event has an end, and the timed clinic events of one day never share a start."""
    text = _ics(protocol, arm, *options, horizon=horizon)
    plan = json.loads(run_ok("schedule", protocol, "--arm", arm, *PATIENT, "--horizon", horizon, "--format", "json").stdout)
    expected = defaultdict(list)
    for event in plan["events"]:
        expected[event["activity"]].append(date.fromisoformat(event["date"]))
    calendar = icalendar.Calendar.from_ical(text)
    for component in calendar.walk("VEVENT"):
        assert "DTEND" in component or "DURATION" in component, component["X-REGIMEN-KEY"]
    found, starts = defaultdict(list), defaultdict(list)
    first, last = date.fromisoformat(plan["start"]), date.fromisoformat(plan["horizon_end"])
    for event in recurring_ical_events.of(calendar).between(first, last + timedelta(days=1)):
        if str(event["X-REGIMEN-ACTIVITY"]) in ("screening", "contraception-end"):
            continue  # a task before day 0 or a derived milestone, not an event of the plan
        members = str(event.get("X-REGIMEN-MEMBERS", "")).split() or [str(event["X-REGIMEN-KEY"])]
        start = event.start
        day = start.date() if isinstance(start, datetime) else start
        for key in members:
            found[key.split("/")[2]].append(day)
        if isinstance(start, datetime) and not str(event["SUMMARY"]).endswith(" PO"):
            starts[day].append(start.time())
    assert {a: sorted(d) for a, d in found.items()} == {a: sorted(d) for a, d in expected.items()}
    for day, times in starts.items():  # timed clinic events of one day never share a start
        assert len(times) == len(set(times)), (day, times)


def test_an_atezolizumab_visit_is_one_event_lasting_both_infusions_from_the_labels():
    events = _ics("NCT05760430", "control", "--time", "09:00", "--tz", "Asia/Shanghai", horizon="9w")
    visits = sorted((e for e in _events(events).values() if "X-REGIMEN-MEMBERS" in e), key=lambda e: e.start)
    # atezolizumab 1200 mg then bevacizumab 15 mg/kg x 72 kg = 1080 mg, from 7 days after cTACE, every 3 weeks
    assert [str(v["SUMMARY"]) for v in visits] == ["Atezolizumab 1200 mg IV, Bevacizumab 1080 mg IV"] * 3
    assert [v.start.isoformat() for v in visits] == ["2026-12-08T09:00:00+08:00", "2026-12-29T09:00:00+08:00", "2027-01-19T09:00:00+08:00"]
    # Tecentriq 60 then 30 min; Avastin 90, 60, then 30 min, one after the other: 150, 90 and 60 min
    assert [v.end - v.start for v in visits] == [timedelta(minutes=150), timedelta(minutes=90), timedelta(minutes=60)]
    assert "Tecentriq label: the first infusion over 60 min" in str(visits[0]["DESCRIPTION"])
    assert str(visits[0]["X-REGIMEN-KEY"]) == "NCT05760430/control/atezolizumab/1/visit"


def test_a_haic_day_is_one_event_until_the_pump_comes_off():
    events = _events(_ics("NCT05233358", "haic", "--time", "haic=08:00", "--time", "default=10:00", "--tz", "Asia/Shanghai", horizon="3w"))
    visit = events["NCT05233358/haic/haic/1/visit"]
    # BSA (Mosteller) = sqrt(72 x 170 / 3600) = 1.8439 m2: oxaliplatin 85 x 1.8439 = 156.73 mg, leucovorin and the
    # 5-FU bolus 400 x 1.8439 = 737.56 mg, the 5-FU pump 2400 x 1.8439 = 4425.38 mg over 46 h
    assert str(visit["SUMMARY"]) == ("HAIC C1: Oxaliplatin 156.73 mg IA, Leucovorin 737.56 mg IA, "
                                     "Fluorouracil bolus 737.56 mg IA + 4425.38 mg over 46 h")
    assert visit.start.isoformat() == "2026-12-01T08:00:00+08:00"  # haic's own time, not the default
    # its parts one after another: HAIC, oxaliplatin, leucovorin and the bolus at the protocol's default 60 min
    # each (an assumption), then the 46-h pump: 08:00 + 4 h + 46 h = 10:00 two days later
    assert visit.end.isoformat() == "2026-12-03T10:00:00+08:00"
    assert not any(k.startswith("NCT05233358/haic/oxaliplatin/") for k in events)  # no separate drug events
    assert events["NCT05233358/haic/sintilimab/1"].start.isoformat() == "2026-12-08T10:00:00+08:00"  # the default


def test_separate_keeps_one_event_per_drug_and_each_starts_when_the_one_before_ends():
    events = _events(_ics("NCT05233358", "haic", "--time", "09:00", "--tz", "Asia/Shanghai", "--separate", horizon="3w"))
    day = [events[f"NCT05233358/haic/{a}/1"] for a in ("haic", "oxaliplatin", "leucovorin", "fluorouracil_bolus", "fluorouracil_infusion")]
    # each without a stated length is booked for the protocol's default 60 min (an assumption the event states)
    assert [e.start.strftime("%H:%M") for e in day] == ["09:00", "10:00", "11:00", "12:00", "13:00"]
    assert day[-1].end - day[-1].start == timedelta(hours=46)
    assert "assumption calendar-default-duration" in str(day[1]["DESCRIPTION"])


def test_home_doses_at_a_time_of_day_recur_in_the_zone_with_their_days_off():
    events = _events(_ics("NCT05233358", "haic", "--dose-time", "regorafenib=08:00", "--tz", "Europe/Paris", "--remind", "15m", horizon="8w"))
    series = events["NCT05233358/haic/regorafenib/1/series"]
    assert series.start == datetime(2026, 12, 8, 8, 0, tzinfo=series.start.tzinfo) and str(series.start.tzinfo) == "Europe/Paris"
    assert series.end - series.start == timedelta(minutes=15)
    assert series["RRULE"]["UNTIL"] == [datetime.fromisoformat("2027-01-25T07:00:00+00:00")]  # 08:00 CET = 07:00 UTC
    skipped = sorted(d.dt for d in series["EXDATE"].dts)
    assert [d.date() for d in skipped] == [date(2026, 12, 29) + timedelta(days=n) for n in range(7)]  # days 22-28
    assert {d.time() for d in skipped} == {time(8, 0)}
    assert [a["TRIGGER"].dt for a in series.walk("VALARM")] == [timedelta(minutes=-15)]  # rings at 07:45


def test_remind_without_dose_time_leaves_home_dosing_without_a_midnight_alarm_and_says_so():
    result = run_ok("schedule", "NCT05760430", "--arm", "experimental", *PATIENT, "--horizon", "4w", "--format", "ics", "--remind", "1h")
    events = _events(result.stdout)
    assert not events["NCT05760430/experimental/apatinib/1/series"].walk("VALARM")
    assert events["NCT05760430/experimental/pve/1"].walk("VALARM")  # clinic events keep theirs
    notes = [line for line in result.stderr.splitlines() if "--remind" in line]
    assert notes == ["! --remind: no reminders on home dosing (apatinib): all-day doses would ring at midnight; "
                     "give --dose-time HH:MM to remind at a time of day"]


@pytest.mark.parametrize("zone", ["UTC", "Etc/UTC"])
def test_time_without_tz_on_a_machine_in_utc_is_refused(monkeypatch, zone):
    monkeypatch.setenv("TZ", zone)
    for option in ("--time", "--dose-time"):
        result = run_cli("schedule", "NCT05760430", "--arm", "experimental", *PATIENT, "--format", "ics", option, "09:00")
        assert result.exit_code == 2
        assert result.stderr.startswith(f"Error: --tz: is needed with --time or --dose-time: this machine's zone is {zone}")
        assert result.stderr.count("\n") == 1 and "--tz UTC if UTC is meant" in result.stderr
    explicit = run_ok("schedule", "NCT05760430", "--arm", "experimental", *PATIENT, "--format", "ics", "--time", "09:00", "--tz", "UTC")
    assert "DTSTART:20261201T090000Z" in explicit.stdout and "this machine's zone" not in explicit.stderr


def test_time_without_tz_says_which_zone_it_used():
    result = run_ok("schedule", "NCT05760430", "--arm", "experimental", *PATIENT, "--format", "ics", "--time", "09:00")
    assert "! times are in Europe/Paris, this machine's zone (give --tz to choose another)\n" in result.stderr
    assert "DTSTART;TZID=Europe/Paris:20261201T090000" in result.stdout


@pytest.mark.parametrize(("option", "value", "message"), [
    ("--time", "tace=08:00", "Error: --time: 'tace' is not a clinic activity of arm experimental; known: default, ctace, pve, "
                             "camrelizumab, imaging, survival\n"),
    ("--dose-time", "camrelizumab=08:00", "Error: --dose-time: 'camrelizumab' is not a drug taken by mouth of arm experimental; "
                                          "known: default, apatinib\n"),
    ("--time", "ctace=8am", "Error: --time: '8am' is not a clock time; give HH:MM in 24-hour time, like 09:00\n"),
])
def test_an_unknown_activity_or_time_is_one_line_naming_the_known_ones(option, value, message):
    result = run_cli("schedule", "NCT05760430", "--arm", "experimental", *PATIENT, "--format", "ics", "--tz", "Asia/Shanghai", option, value)
    assert (result.exit_code, result.stderr) == (2, message)


def test_replaces_a_plain_plan_cancels_what_a_shorter_horizon_leaves_out(tmp_path):
    old = tmp_path / "old.ics"
    old.write_text(_ics("NCT05760430", "control", horizon="12w"), encoding="utf-8", newline="")
    new = _events(_ics("NCT05760430", "control", "--replaces", old, horizon="6w"))
    before = _events(old.read_text(encoding="utf-8"))
    # 6 weeks from 2026-12-01 end on 2027-01-11 (42 days, the last included): the 2027-01-19 atezolizumab visit and the 02-09 imaging go
    gone = {k for k, e in new.items() if str(e["STATUS"]) == "CANCELLED"}
    assert "NCT05760430/control/atezolizumab/3/visit" in gone and "NCT05760430/control/imaging/1" in gone
    assert all(new[k]["SEQUENCE"] == before[k]["SEQUENCE"] + 1 for k in gone)
    assert gone == {k for k in before if k not in _events(_ics("NCT05760430", "control", horizon="6w"))}
    assert new["NCT05760430/control/ctace/1"]["SEQUENCE"] == 0  # unchanged: the same SEQUENCE
    # changed: the visit's description names the contraception end, which moves with the last dose before the horizon
    assert new["NCT05760430/control/atezolizumab/1/visit"]["SEQUENCE"] == 1


def test_changing_the_grouping_with_replaces_cancels_the_old_separate_events(tmp_path):
    old = tmp_path / "old.ics"
    old.write_text(_ics("NCT05760430", "control", "--separate", horizon="4w"), encoding="utf-8", newline="")
    new = _events(_ics("NCT05760430", "control", "--replaces", old, horizon="4w"))
    for drug in ("atezolizumab", "bevacizumab"):
        assert str(new[f"NCT05760430/control/{drug}/1"]["STATUS"]) == "CANCELLED"
        assert new[f"NCT05760430/control/{drug}/1"]["SEQUENCE"] == 1
    visit = new["NCT05760430/control/atezolizumab/1/visit"]
    assert str(visit["STATUS"]) == "CONFIRMED" and visit["SEQUENCE"] == 0
    uids = [str(e["UID"]) for e in new.values()]
    assert len(uids) == len(set(uids))


def test_a_bad_calendar_duration_is_reported_with_its_file_and_line(tmp_path):
    text = Path(regimen.load_protocol("NCT05760430").path).read_text(encoding="utf-8")
    lines = text.splitlines()
    line = lines.index('duration = ["60 min", "30 min"]') + 1
    lines[line - 1] = 'duration = ["60 min", "30 minutes of rest"]'
    bad = tmp_path / "bad.toml"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_cli("validate", bad)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {bad}:{line}: calendar.activities.atezolizumab.duration: '30 minutes of rest'")


def test_the_library_gives_the_clis_calendar():
    plan = regimen.schedule("NCT05233358", "haic", regimen.Patient.from_measurements("72 kg", "170 cm"), "2026-12-01", horizon="6w")
    text = plan.to_ics(time={"haic": "08:00", "default": "09:00"}, dose_time="08:00", tz="Asia/Shanghai", separate=True)
    cli = _ics("NCT05233358", "haic", "--time", "haic=08:00", "--time", "09:00", "--dose-time", "08:00", "--tz", "Asia/Shanghai",
               "--separate", horizon="6w")
    assert text == cli.replace("\n", "\r\n")  # the CLI's CRLF, read back by the runner as LF
    with pytest.raises(regimen.InputError, match=r"^time: 'nope' is not a clinic activity of arm haic; known: default, haic"):
        plan.to_ics(time={"nope": "08:00"}, tz="Asia/Shanghai")


def test_the_readmes_phone_commands_make_what_it_says(tmp_path, monkeypatch):
    """README "On a phone": its commands run in an empty folder; the update cancels weeks 13-24."""
    import re
    import shlex

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- on a phone: tests/.*?-->\n```console\n(.*?)\n```", readme, re.S)
    assert block
    monkeypatch.chdir(tmp_path)
    commands = [shlex.split(line[len("$ regimen "):]) for line in block.group(1).splitlines()]
    assert len(commands) == 2
    for argv in commands:
        run_ok(*argv)
    first, update = _events((tmp_path / "haic.ics").read_text(encoding="utf-8")), _events((tmp_path / "haic-update.ics").read_text(encoding="utf-8"))
    visit = first["NCT05233358/haic/haic/1/visit"]
    # "from 08:00 until the pump comes off": 4 parts of 60 min, then the 46-h pump = 50 h
    assert str(visit["SUMMARY"]).startswith("HAIC C1: Oxaliplatin 156.73 mg IA") and visit.end - visit.start == timedelta(hours=50)
    assert visit.end.isoformat() == "2026-12-03T10:00:00+08:00"  # "to 10:00 two days later"
    series = first["NCT05233358/haic/regorafenib/1/series"]
    assert series.start.strftime("%H:%M") == "08:00" and [a["TRIGGER"].dt for a in series.walk("VALARM")] == [timedelta(minutes=-30)]
    # 12 weeks from 2026-12-01 end on 2027-02-22 (84 days, the last included): HAIC every 21 days puts C5 on day 84,
    # 2027-02-23, and C6 on 2027-03-16, so both are cancelled
    cancelled = {k for k, e in update.items() if str(e["STATUS"]) == "CANCELLED"}
    assert {"NCT05233358/haic/haic/5/visit", "NCT05233358/haic/haic/6/visit"} <= cancelled
    assert all(update[k]["SEQUENCE"] == first[k]["SEQUENCE"] + 1 for k in cancelled)


def test_an_unverified_infusion_time_is_booked_only_as_an_assumption_the_calendar_states():
    text = _ics("NCT05760430", "experimental", "--time", "09:00", "--tz", "Asia/Shanghai", horizon="4w")
    calendar = icalendar.Calendar.from_ical(text)
    header = str(calendar["DESCRIPTION"])
    assert "assumption camrelizumab-infusion-time (calendar durations): A camrelizumab infusion is booked as 60 minutes." in header
    assert "assumption calendar-default-duration (calendar durations)" in header
    camrelizumab = _events(text)["NCT05760430/experimental/camrelizumab/1"]
    assert camrelizumab.end - camrelizumab.start == timedelta(minutes=60)
    assert ("Booked for 60 min: assumption camrelizumab-infusion-time (UNVERIFIED, in the calendar's description)"
            in str(camrelizumab["DESCRIPTION"]))
    assert "calendar durations" not in str(icalendar.Calendar.from_ical(_ics("NCT05760430", "experimental", horizon="4w"))["DESCRIPTION"])
