"""Self-contained HTML pages: inline CSS, no script, no network, printable on A4 and Letter.

Every printable view (the patient calendar, the diary cards, the pharmacist's dose sheet) is one
page built by :func:`document`, so they share one look and one print layout, and
:func:`regimen.export.pdf.pdf_bytes` turns any of them into a PDF.
"""

from __future__ import annotations

from html import escape

__all__ = ["BASE_CSS", "document", "escape"]

# The page box is the smaller of A4 (210 x 297 mm) and Letter (216 x 279 mm): 210 x 279 mm less
# the margins, so a section sized for it prints on either paper without being cut.
BASE_CSS = """
@page { margin: 10mm; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, Helvetica, sans-serif; font-size: 10pt;
       color: #111; margin: 0; padding: 8mm; max-width: 190mm; }
h1 { font-size: 15pt; margin: 0 0 2mm; }
h2 { font-size: 12pt; margin: 4mm 0 2mm; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 0.3mm solid #666; padding: 1mm 1.5mm; vertical-align: top; text-align: left; }
.page { break-after: page; page-break-after: always; }
.page:last-child { break-after: auto; page-break-after: auto; }
@media print { body { padding: 0; } }
"""


def document(title: str, body: str, *, css: str = "", lang: str = "en") -> str:
    """A whole HTML5 page: ``title`` (plain text, escaped here), ``body`` (HTML, already escaped by
    the caller) and ``css`` added after :data:`BASE_CSS`."""
    return (f'<!DOCTYPE html>\n<html lang="{escape(lang)}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{escape(title)}</title>\n<style>{BASE_CSS}{css}</style>\n</head>\n"
            f"<body>\n{body}\n</body>\n</html>\n")
