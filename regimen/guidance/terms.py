"""The adverse-event vocabulary the label rules use: CTCAE v5.0 terms, a few short names for them,
and named groups ("haematological", "any adverse event") that a label's rule may cover.

A typed name is matched case-insensitively to a term or a short name; an unknown one is refused
with a "did you mean" and the list of known terms.
"""

from __future__ import annotations

from ..errors import LookupFailure

__all__ = ["ALIASES", "CATCH_ALL", "GROUPS", "LAB_TERMS", "covers", "specificity", "term_of"]

# CTCAE v5.0 terms (as the NCI writes them) -> short names accepted on the command line
ALIASES = {
    "Neutrophil count decreased": ("neutropenia", "anc"),
    "Platelet count decreased": ("thrombocytopenia", "platelets"),
    "Anemia": ("anaemia",),
    "White blood cell decreased": ("leukopenia", "wbc"),
    "Aspartate aminotransferase increased": ("ast",),
    "Alanine aminotransferase increased": ("alt",),
    "Blood bilirubin increased": ("bilirubin", "tbil", "hyperbilirubinemia"),
    "Alkaline phosphatase increased": ("alp",),
    "Creatinine increased": ("creatinine",),
    "Proteinuria": (),
    "Nephrotic syndrome": (),
    "Hypertension": ("htn",),
    "Palmar-plantar erythrodysesthesia syndrome": ("hfsr", "hand-foot skin reaction", "hand-foot syndrome", "ppe"),
    "Pneumonitis": (),
    "Colitis": (),
    "Diarrhea": ("diarrhoea",),
    "Hepatic failure": (),
    "Hypothyroidism": (),
    "Hyperthyroidism": (),
    "Adrenal insufficiency": (),
    "Hypophysitis": (),
    "Infusion related reaction": ("irr", "infusion reaction"),
    "Infection": (),
    "Gastrointestinal perforation": ("gi perforation",),
    "Fistula": (),
    "Wound dehiscence": (),
    "Hemorrhage": ("bleeding", "haemorrhage"),
    "Arterial thromboembolism": (),
    "Reversible posterior leukoencephalopathy syndrome": ("pres",),
    "Heart failure": ("cardiac dysfunction",),
    "Fatigue": (),
}

# named groups a rule may cover: members, or None for every term
GROUPS: dict[str, tuple[str, ...] | None] = {
    "any adverse event": None,
    "haematological": ("Neutrophil count decreased", "Platelet count decreased", "Anemia", "White blood cell decreased"),
    "non-haematological": (),  # every term not in "haematological" (see covers)
    "non-haematological, not a lab abnormality": (),  # every term neither haematological nor a lab value's (see covers)
    "lab abnormality (non-haematological)": ("Aspartate aminotransferase increased", "Alanine aminotransferase increased",
                                             "Blood bilirubin increased", "Alkaline phosphatase increased", "Creatinine increased"),
    "aminotransferases increased": ("Aspartate aminotransferase increased", "Alanine aminotransferase increased"),
    "endocrinopathy": ("Hypothyroidism", "Hyperthyroidism", "Adrenal insufficiency", "Hypophysitis"),
}

# labs.py analyte -> the CTCAE term its abnormal value is graded as
LAB_TERMS = {"anc": "Neutrophil count decreased", "platelets": "Platelet count decreased", "ast": "Aspartate aminotransferase increased",
             "alt": "Alanine aminotransferase increased", "tbil": "Blood bilirubin increased", "alp": "Alkaline phosphatase increased",
             "creatinine": "Creatinine increased", "proteinuria": "Proteinuria"}

_BY_NAME = {name.lower(): term for term, short in ALIASES.items() for name in (term, *short)}


def term_of(name: str, option: str = "--ae") -> str:
    """The CTCAE v5.0 term for a typed name (``hfsr`` -> ``Palmar-plantar erythrodysesthesia syndrome``)."""
    found = _BY_NAME.get(" ".join(str(name).split()).lower())
    if found is None:
        failure = LookupFailure(f"adverse event ({option}; CTCAE v5.0 terms or their short names)", str(name), sorted(_BY_NAME))
        raise failure
    return found


def is_term_or_group(name: str) -> bool:
    return name in ALIASES or name in GROUPS


def covers(event: str, term: str) -> bool:
    """Whether a rule's event (a term or a group) covers a recorded term."""
    if event == term:
        return True
    if event not in GROUPS:
        return False
    members = GROUPS[event]
    if members is None:
        return True
    if event == "non-haematological":
        return term not in (GROUPS["haematological"] or ())
    if event == "non-haematological, not a lab abnormality":
        return term not in (GROUPS["haematological"] or ()) and term not in LAB_TERMS.values()
    return term in members


CATCH_ALL = ("any adverse event", "non-haematological", "non-haematological, not a lab abnormality")


def specificity(event: str) -> int:
    """2 for a term, 1 for a named group of terms, 0 for a catch-all: a label's specific rule is its exception to the general one."""
    return 2 if event in ALIASES else 0 if event in CATCH_ALL else 1
