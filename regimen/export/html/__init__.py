"""Printable HTML views of a plan: the patient calendar (a month grid per month), the diary card of
each oral drug taken at home, and a last page with the assumptions and every dose's derivation."""

from .calendar import calendar_html

__all__ = ["calendar_html"]
