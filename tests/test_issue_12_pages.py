"""The shared page scaffolding of the printable views (#12): self-contained HTML and its PDF."""

from __future__ import annotations

import builtins

import pytest
from browser import page_of

from regimen.errors import InputError
from regimen.export.page import document
from regimen.export.pdf import pdf_bytes


def test_a_page_escapes_its_title_and_loads_nothing(tmp_path):
    html = document("Dose <sheet> & diary", "<h1>Hello</h1>")
    assert "<title>Dose &lt;sheet&gt; &amp; diary</title>" in html
    assert "http" not in html.split("<body>")[0]  # no stylesheet, font or script from the network
    path = tmp_path / "page.html"
    path.write_text(html, encoding="utf-8")
    with page_of(path) as page:
        assert page.title() == "Dose <sheet> & diary"
        assert page.inner_text("h1") == "Hello"


def test_the_pdf_is_a_pdf_and_fetches_nothing():
    pdf = pdf_bytes(document("t", '<h1>Hello</h1><img src="http://example.invalid/x.png">'))
    assert pdf.startswith(b"%PDF-")


def test_without_the_extra_the_error_names_it(monkeypatch):
    real = builtins.__import__

    def no_weasyprint(name, *args, **kwargs):
        if name == "weasyprint":
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_weasyprint)
    with pytest.raises(InputError, match=r"--format pdf: needs the pdf extra: pip install 'regimen-calendar\[pdf\]'"):
        pdf_bytes(document("t", ""))
