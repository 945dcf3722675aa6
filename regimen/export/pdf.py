"""HTML page -> PDF, through WeasyPrint (the optional ``pdf`` extra).

WeasyPrint lays out the same HTML and print CSS as the browser view (``@page``, page breaks,
tables), is pure Python over the system's Pango, and needs no browser. It is imported only here,
only when a PDF is asked for.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from ..errors import InputError

__all__ = ["pdf_bytes"]

EXTRA = "pip install 'regimen-calendar[pdf]'"


def pdf_bytes(html: str, *, option: str = "--format pdf") -> bytes:
    """The PDF of one self-contained HTML page (no network: only inline CSS is read)."""
    try:
        import weasyprint
    except ImportError:
        raise InputError(option, f"needs the pdf extra: {EXTRA}") from None
    except OSError as exc:  # WeasyPrint is installed but the system's Pango library is not
        raise InputError(option, f"needs the Pango library, which WeasyPrint could not load ({exc}); "
                                 "install it with the system's package manager (Debian: libpango-1.0-0)") from None
    from weasyprint.urls import URLFetcher

    nothing = URLFetcher(allowed_protocols=())  # a page loads nothing from outside, not even file:
    with _quiet("weasyprint", "fontTools"):
        return weasyprint.HTML(string=html, url_fetcher=nothing).write_pdf()


@contextmanager
def _quiet(*names: str) -> Iterator[None]:
    """Only errors from these loggers: WeasyPrint warns about each CSS property it ignores (a
    browser's ``outline``) and fontTools about font subsetting, neither of which a user can act on."""
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(max(logger.level, logging.ERROR))
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
