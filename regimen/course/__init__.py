"""A patient's course: the file that records what happened (file; written by store), the rules every record must
satisfy (checks), re-planning from the records (replan), the workflow calls (record) and lab
gates (gates)."""

from __future__ import annotations

from .checks import CourseError, validate
from .file import EVENT_TYPES, Course, Lab, Measurement, Pin, Record, load_course, parse_course
from .gates import GateCheck, GateReport, GateResult, check
from .record import Recorded, digest, migrate, new_course, record, undo
from .replan import replan
from .store import append_record, record_text

__all__ = ["EVENT_TYPES", "Course", "CourseError", "GateCheck", "GateReport", "GateResult", "Lab", "Measurement", "Pin", "Record",
           "Recorded", "append_record", "check", "digest", "load_course", "migrate", "new_course", "parse_course", "record",
           "record_text", "replan", "undo", "validate"]
