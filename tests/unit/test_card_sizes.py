"""Cards measured as Kestrel sends them: UTF-8 JSON, cut and paged by bytes, not characters."""

import json

import pytest

from cards.elements import fitting, json_text, sent_size, text_pages

TEXTS = {
    "chinese": "她说她哥哥打她。" * 900,
    "arabic": "قالت إن أخاها يضربها. " * 600,
    "escapes": 'a "quoted" line\\\n\t\x01' * 900,
    "emoji": "😀 " * 3000,
}


def test_non_latin_text_is_sent_as_utf8_not_escapes():
    text = TEXTS["chinese"]
    assert json.loads(json_text({"t": text})) == {"t": text}
    assert sent_size(text) == len(text.encode()) + 2  # the quotes
    assert sent_size(text) * 2 - 2 == len(json.dumps(text))  # escapes: six bytes, not three


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_pages_fit_their_budget_and_join_to_the_whole_text(name):
    text = TEXTS[name]
    pages = text_pages(text, 4000)
    assert "".join(pages) == text and len(pages) > 1
    assert all(sent_size(p) <= 4000 for p in pages)
    assert all(sent_size(p + text[len(p)]) > 4000 for p in pages[:-1])  # as full as they fit


def test_a_text_that_fits_is_whole_and_an_empty_one_is_one_page():
    assert fitting("short", 100) == "short"
    assert text_pages("", 100) == [""]


@pytest.mark.parametrize(
    "value",
    [
        {"t": text, "n": [1, 1.5, 1e20, -0.0, True, None], 3: ("tuple", "of", "two")}
        for text in TEXTS.values()
    ]
    + [{"controls": "".join(map(chr, range(0x20))) + "\x7f\u2028\u2029\ufeff"}],
)
def test_the_json_sent_is_what_the_standard_library_writes_without_escapes(value):
    # json_text is orjson for speed; sizes and pages are counted in what the standard
    # library would send, so the two must not differ by a byte.
    assert json_text(value) == json.dumps(value, ensure_ascii=False, separators=(",", ":"))
