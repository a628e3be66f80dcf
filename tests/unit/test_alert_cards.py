"""Alert cards: valid, a stub only (reference and who raised it), Open and Mark as read."""

from cards.alerts import alert_card, alert_read_card
from cards.dashboard import dashboard_stub_card
from tests.support.cards import assert_valid_card, buttons, texts


def test_an_alert_is_a_stub_with_open_mark_as_read_and_a_refresh_for_its_colleague_only():
    card = alert_card("K-12", "James Whitfield", 5, 12, "29:aisha")
    assert_valid_card(card)
    assert texts(card) == ["New concern", "New concern raised by James Whitfield (ref K-12)"]
    assert buttons(card) == [("Open", "incident.show"), ("Mark as read", "alert.read")]
    assert card["refresh"]["userIds"] == ["29:aisha"]


def test_an_escalation_says_so_and_a_read_alert_keeps_only_open():
    escalation = alert_card("K-12", "James Whitfield", 5, 12, "29:p", reason="escalation")
    assert_valid_card(escalation)
    assert texts(escalation)[0] == "Escalation: urgent concern not yet read"
    read = alert_read_card("K-12", 12)
    assert_valid_card(read)
    assert buttons(read) == [("Open", "incident.show")]
    assert_valid_card(dashboard_stub_card())
    notice = alert_card(
        "K-12", "James Whitfield", 6, 12, "29:p", reason="not_reached", concerning="Aisha Khan"
    )
    assert texts(notice) == [
        "An alert did not arrive",
        "Kestrel could not reach Aisha Khan about K-12.",
    ]
