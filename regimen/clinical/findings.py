"""The clinical findings a liver score and a screening take, as the words a course records (kept apart so the protocol loader reads them without the scores)."""

from __future__ import annotations

__all__ = ["ASCITES", "ECOG", "ENCEPHALOPATHY"]

ASCITES = ("none", "mild", "moderate")  # Child-Pugh 1, 2, 3 points (moderate: moderate to severe)
ENCEPHALOPATHY = ("none", "grade-1-2", "grade-3-4")  # Child-Pugh 1, 2, 3 points
ECOG = ("0", "1", "2", "3", "4", "5")  # ECOG performance status
