"""The post-mortem PDF's tables keep to the page: laid out by WeasyPrint itself, checked box by box,
and read back with pypdf."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from pypdf import PdfReader
from weasyprint import HTML

from portal.pdf import BASE_URL, _fetcher_class
from postmortems import services
from postmortems.choices import ActionItemKind
from postmortems.exports import postmortem_document, postmortem_pdf, postmortem_pdf_html
from postmortems.selectors import postmortem_content
from tests.postmortems.factories import make_publishable

LONG_TITLE = "Add a pre-production check that reproduces production load"


@pytest.fixture
def document(postmortem, author):
    postmortem = make_publishable(postmortem, author)
    services.postmortem_update(
        postmortem=postmortem,
        actor=author,
        data={"customers_affected": 1_234_567_890, "records_affected": 98_765_432_109},
    )
    services.action_item_create(
        actor=author,
        postmortem=postmortem,
        title=LONG_TITLE,
        description="Agreed in the post-mortem meeting.",
        owner=author,
        due_date=timezone.localdate() + timedelta(days=30),
        kind=ActionItemKind.PREVENT,
        external_url="https://tracker.example.com/browse/OPS-71",
    )
    return postmortem_document(postmortem_content(postmortem.pk))


def _tables(document):
    rendered = HTML(
        string=postmortem_pdf_html(document), base_url=BASE_URL, url_fetcher=_fetcher_class()()
    ).render()
    for page in rendered.pages:
        box = page._page_box
        right = box.content_box_x() + box.width
        for child in box.descendants():
            if type(child).__name__ in {"TableBox", "TableCellBox"}:
                yield child, right


def test_every_table_and_cell_ends_inside_the_right_margin(document):
    checked = 0
    for box, right in _tables(document):
        assert box.border_box_x() + box.border_width() <= right + 0.5, box.element.get("class")
        checked += 1
    assert checked > 40  # the incidents, the impact figures, the factors and the action items


def test_the_action_column_is_wide_enough_for_a_sentence(document):
    cells = [
        box
        for box, _ in _tables(document)
        if type(box).__name__ == "TableCellBox" and LONG_TITLE in "".join(box.element.itertext())
    ]
    assert cells
    # At least 60 mm (about 230 CSS px): the old layout gave it a seventh of the page, a word per line.
    assert cells[0].width > 230


def test_the_printed_action_title_keeps_several_words_on_a_line(document):
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(postmortem_pdf(document))).pages)
    lines = [line.strip() for line in text.splitlines()]
    # The row starts with its number; one word per line would leave "2 Add a" alone on its line.
    assert any(line.endswith("Add a pre-production check that") for line in lines), lines
