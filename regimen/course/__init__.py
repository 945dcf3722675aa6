"""A patient's course: the file that records what happened (file), the rules every record must
satisfy (checks), re-planning from the records (replan) and lab gates (gates)."""

from __future__ import annotations

from .file import EVENT_TYPES, Course, Lab, Measurement, Record, append_record, load_course, parse_course, record_text
from .gates import GateCheck, GateResult, check
from .replan import check_new_record, replan

__all__ = ["EVENT_TYPES", "Course", "GateCheck", "GateResult", "Lab", "Measurement", "Record", "append_record", "check",
           "check_new_record", "load_course", "parse_course", "record_text", "replan"]
