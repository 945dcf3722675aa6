"""A trial site's view over many patients at once: what is due this week (due), what deviated from
the protocol (deviations), and the drug supply the re-planned courses need (supply). Course files
are read one at a time (courses), so memory stays flat however many there are."""

from __future__ import annotations

from .courses import Failed, Replanned, calendar_id, course_files, each_course, replanned
from .deviations import Deviation, Tally, deviations, deviations_of, tally
from .due import DueRow, due, due_rows, sort_due
from .supply import supply_from_courses

__all__ = ["Deviation", "DueRow", "Failed", "Replanned", "Tally", "calendar_id", "course_files", "deviations", "deviations_of", "due",
           "due_rows", "each_course", "replanned", "sort_due", "supply_from_courses", "tally"]
