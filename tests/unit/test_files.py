"""What happens to a file sent to Kestrel, decided by its content alone: pure, no database."""

import hashlib

import pytest

from safeguarding.case_actions import AddedAction
from safeguarding.files import AttachWindow, IncomingFile, check_file, kind_of, stored_file

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer\n%%EOF\n"


def test_a_file_is_kept_by_what_it_is_and_refused_with_a_reason_otherwise():
    assert check_file(IncomingFile("a.pdf", PDF), 1024).kind == "PDF"
    assert check_file(IncomingFile("a.pdf", b""), 1024).refused == "it is empty"
    assert check_file(IncomingFile("a.pdf", PDF * 100), 1024).refused == "it is over 0 MB"
    assert check_file(IncomingFile("run.pdf", b"MZ\x90\x00" + b"\x00" * 60), 1024).refused == (
        "it is not a document, image, PDF or email file"
    )
    gone = IncomingFile("b.pdf", None, "Teams did not hand it over; send it again")
    assert check_file(gone, 1024).refused == "Teams did not hand it over; send it again"


def test_a_kept_file_is_hashed_and_goes_with_the_windows_action():
    incoming = IncomingFile("x" * 300 + ".pdf", PDF)
    stored = stored_file(incoming, check_file(incoming, 1024), AttachWindow(7, 3), added_by=2)
    assert (stored.incident_id, stored.action_id, stored.added_by) == (7, 3, 2)
    assert stored.sha256 == hashlib.sha256(PDF).hexdigest() and len(stored.name) == 255


def test_what_saving_an_action_says_above_the_incident():
    assert AddedAction(1, 7, 0).notice() == (
        "Action added. Files you send me in the next 15 minutes go with it."
    )
    assert "1 colleague will be alerted." in AddedAction(1, 7, 1).notice()
    assert "3 colleagues will be alerted." in AddedAction(1, 7, 3).notice()
    assert AddedAction(1, 7, 0, repeated=True).notice() == "This action was saved already."


@pytest.mark.parametrize("character", ["é", "€", "中", "😀"], ids=["2", "3", "3-cjk", "4"])
@pytest.mark.parametrize("offset", [0, 1, 2, 3])
def test_a_long_text_file_cut_inside_a_character_at_8_kb_is_still_text(character, offset):
    # The character's bytes straddle byte 8,192, however many of them fall before it.
    content = ("a" * (8192 - offset) + character * 400).encode()
    assert kind_of(content) == "text"


def test_a_long_email_file_in_a_non_latin_script_is_an_email():
    headers = "From: a@example.org\nTo: b@example.org\nSubject: كلام\n\n"
    content = (headers + "مرحبا بكم " * 2000).encode()
    assert len(content) > 8192 and kind_of(content) == "email"


def test_a_short_file_ending_inside_a_character_is_not_text():
    assert kind_of("abc€".encode()[:-1]) is None
    assert kind_of(("a" * 8190 + "€").encode()[:8192]) is None  # its end is the file's end


def test_invalid_utf8_before_the_cut_is_still_not_text():
    assert kind_of(b"a" * 100 + b"\xff" + b"b" * 9000) is None
