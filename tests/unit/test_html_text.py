"""A pasted HTML email: told apart from prose, kept as its readable text, the original kept."""

from datetime import UTC, datetime

import pytest

from cards.elements import sent_size
from cards.pasted_original import PART_BYTES, original_card, original_parts
from safeguarding.action_form import read_action_form
from safeguarding.errors import InvalidInput
from safeguarding.html_text import looks_like_html, plain_text, readable
from safeguarding.incident_form import read_form
from safeguarding.incidents import MAX_TEXT
from safeguarding.viewing import PastedOriginal
from tests.support.cards import assert_valid_card, buttons, texts

NOW = datetime(2026, 11, 24, 10, 50, tzinfo=UTC)
ZONE = "Europe/London"

# What Outlook's "view source" gives: a head with Word's styles and XML, MsoNormal paragraphs
# with <o:p> and &nbsp; blank lines, a downlevel-revealed list marker, a link and a signature.
OUTLOOK = """<html xmlns:o="urn:schemas-microsoft-com:office:office">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>Concern about Sam</title>
<style><!--
p.MsoNormal, li.MsoNormal {margin:0cm; font-size:11.0pt; font-family:"Calibri",sans-serif;}
--></style><!--[if gte mso 9]><xml>
<o:shapedefaults v:ext="edit" spidmax="1026" />
</xml><![endif]-->
</head>
<body lang="EN-GB" link="#0563C1">
<div class="WordSection1">
<p class="MsoNormal">Dear Mrs Raman,<o:p></o:p></p>
<p class="MsoNormal"><o:p>&nbsp;</o:p></p>
<p class="MsoNormal">Sam told me his step-father &quot;shouts
 and throws things&quot; &amp; that he is scared to go home.<o:p></o:p></p>
<p class="MsoNormal"><![if !supportLists]>1. <![endif]>A bruise on his left arm.<o:p></o:p></p>
<p class="MsoNormal">See <a href="https://example.org/policy">the policy</a> or write to
<a href="mailto:dsl@example.org">dsl@example.org</a>.<o:p></o:p></p>
<p class="MsoNormal"><o:p>&nbsp;</o:p></p>
<p class="MsoNormal">Kind regards,<br>Jo Bloggs<o:p></o:p></p>
<script>document.title = "x"</script>
</div>
</body>
</html>"""
OUTLOOK_TEXT = (
    "Dear Mrs Raman,\n\n"
    'Sam told me his step-father "shouts and throws things" & that he is scared to go home.\n'
    "1. A bruise on his left arm.\n"
    "See the policy (https://example.org/policy) or write to dsl@example.org.\n\n"
    "Kind regards,\nJo Bloggs"
)
# What Gmail's clipboard (or its "show original" body) gives: a fragment of nested divs.
GMAIL = (
    '<div dir="ltr"><div>Hi Priya,</div><div><br></div><div>Amara said &lsquo;I don&#39;t '
    "want to go home&rsquo;.</div><div><br></div><div>Thanks,</div><div>Aisha</div>"
    '<img src="cid:logo" alt="School logo"></div>'
)
GMAIL_TEXT = (
    "Hi Priya,\n\nAmara said ‘I don't want to go home’.\n\nThanks,\nAisha\n[image: School logo]"
)


def test_an_outlook_email_with_its_head_and_styles_becomes_its_readable_text():
    assert looks_like_html(OUTLOOK)
    assert plain_text(OUTLOOK) == OUTLOOK_TEXT


def test_a_gmail_fragment_becomes_its_readable_text():
    assert looks_like_html(GMAIL)
    assert plain_text(GMAIL) == GMAIL_TEXT


@pytest.mark.parametrize(
    "typed",
    [
        "I <3 school",
        "if a < b and b > c then a < c",
        "Email from <sam.parent@example.com> about <b>this</b> on Monday",
        "He wrote <br> and <p> on the board",
        "<p>one paragraph</p>",
        "Prices: 3<4, 5>2; tags like <notatag> and <https://example.org>",
        "",
    ],
)
def test_prose_with_angle_brackets_is_left_exactly_as_typed(typed):
    assert not looks_like_html(typed)
    assert readable(typed).text == typed and readable(typed).original == ""


@pytest.mark.parametrize(
    "document",
    ["<!DOCTYPE html><html><body>Hi</body></html>", "  <HTML>\n<body>Hi</body></HTML>"],
)
def test_a_whole_document_is_html_even_with_few_tags(document):
    assert looks_like_html(document) and plain_text(document) == "Hi"


def test_links_show_their_address_once_and_scripts_never_show():
    source = (
        '<p><a href="https://a.example/x">read this</a>, <a href="https://b.example">'
        'https://b.example</a>, <a href="javascript:alert(1)">click</a>, '
        '<a href="#top">top</a><script>steal()</script><style>p{}</style></p>'
    )
    assert plain_text(source) == "read this (https://a.example/x), https://b.example, click, top"


def test_malformed_declarations_never_stop_the_conversion():
    source = "<div>before</div><![weird section]><div>after &amp; more</div><p>end</p>"
    assert looks_like_html(source)
    assert plain_text(source) == "before\nafter & more\nend"


def test_an_unclosed_head_ends_where_the_body_starts():
    source = "<html><head><title>t</title><body><p>kept</p><p>too</p></body></html>"
    assert plain_text(source) == "kept\ntoo"


def test_the_incident_form_keeps_the_readable_text_and_the_original():
    values = {"form_key": "paste-key-01", "student_id": "1", "categories": "7", "text": OUTLOOK}
    draft = read_form(values, now=NOW, time_zone=ZONE)
    assert draft.text == OUTLOOK_TEXT and draft.original == OUTLOOK
    typed = {**values, "text": "Sam said a < b <3"}
    assert read_form(typed, now=NOW, time_zone=ZONE).original == ""


def test_the_action_form_keeps_the_readable_text_and_the_original():
    draft = read_action_form({"form_key": "paste-act-01", "text": GMAIL}, now=NOW, time_zone=ZONE)
    assert (draft.text, draft.original) == (GMAIL_TEXT, GMAIL)


def test_a_pasted_email_with_no_text_or_too_much_text_is_named():
    empty = "<html><head><style>p{}</style></head><body><div><br></div></body></html>"
    with pytest.raises(InvalidInput) as invalid:
        read_action_form({"form_key": "paste-act-02", "text": empty}, now=NOW, time_zone=ZONE)
    assert invalid.value.errors == {
        "text": "The pasted email has no text to keep: paste its text, or say what it said."
    }
    # Its source may be longer than the text box holds; its readable text may not.
    long_source = "<html><body>" + "<p style='margin:0'>ok</p>" * 3000 + "</body></html>"
    assert len(long_source) > MAX_TEXT
    draft = read_action_form(
        {"form_key": "paste-act-03", "text": long_source}, now=NOW, time_zone=ZONE
    )
    assert draft.original == long_source and len(draft.text) < MAX_TEXT
    too_long = "<html><body>" + "<p>" + "x" * (MAX_TEXT + 1) + "</p></body></html>"
    with pytest.raises(InvalidInput) as invalid:
        read_action_form({"form_key": "paste-act-04", "text": too_long}, now=NOW, time_zone=ZONE)
    assert invalid.value.errors["text"].startswith("The text is 20,001 characters")


def test_the_original_is_shown_as_text_a_part_at_a_time_each_card_valid():
    source = "".join(f"<p class='x'>line {n} “quoted” &amp; more</p>\n" for n in range(3000))
    parts = original_parts(source)
    assert len(parts) > 2 and "".join(parts) == source
    assert all(sent_size(p) <= PART_BYTES and p.endswith("\n") for p in parts[:-1])
    original = PastedOriginal("K-7", 7, 3, source)
    first, last = original_card(original, 0), original_card(original, 999)
    for card in (first, last):
        assert_valid_card(card)
    assert texts(first)[:3] == [
        "K-7: the email as pasted",
        "The source of the HTML email pasted into the action, exactly as pasted and shown as "
        "text. Kestrel keeps its readable text as the record and this original as evidence.",
        f"Part 1 of {len(parts)}",
    ]
    assert first["body"][-1] == {
        "type": "RichTextBlock",
        "inlines": [{"type": "TextRun", "text": parts[0]}],
    }
    assert buttons(first) == [
        ("Back to the incident", "incident.show"),
        ("Later part", "incident.original"),
    ]
    assert first["actions"][1]["data"] == {"v": 1, "incident": 7, "action": 3, "part": 1}
    assert buttons(last) == [
        ("Back to the incident", "incident.show"),
        ("Earlier part", "incident.original"),
    ]
    short = original_card(PastedOriginal("K-7", 7, None, GMAIL))
    assert texts(short)[-1] == GMAIL and len(texts(short)) == 3
