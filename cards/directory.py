"""The message a school's administrators get when the scheduled staff sync fails: no name, no
reason text from Graph (Teams keeps it); the dashboard's Import status says why."""

from cards.elements import Card, adaptive_card, text_block, warning


def sync_failed_card(when: str) -> Card:
    """Staff sync failed at `when` (the school's time); nothing was changed."""
    return adaptive_card(
        [
            warning("**Staff sync from Microsoft Entra failed**"),
            text_block(
                f"Kestrel could not sync staff at {when}; nothing was changed. The Import "
                "status on your dashboard says why. You will not be told again until a sync "
                "succeeds."
            ),
        ]
    )
