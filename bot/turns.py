"""What a handler gets: the request, and the services to run its one use case with."""

from dataclasses import dataclass, field, replace
from typing import Any

from bot.deadlines import within
from bot.downloads import Downloader
from bot.links import LinkSigner
from cards.elements import Card, with_school
from safeguarding.clock import Clock
from safeguarding.identity import Identified
from safeguarding.ports import UnitOfWorkFactory
from safeguarding.services.outbox import Outbox
from safeguarding.services.press import Pressed, Request, Rules, UseCase, run_press


@dataclass(frozen=True)
class Services:
    """Application-wide dependencies, built once by create_app."""

    uow_factory: UnitOfWorkFactory
    clock: Clock
    outbox: Outbox
    downloader: Downloader
    links: LinkSigner
    public_url: str  # where Teams clients reach Kestrel (signed links are made absolute with it)
    rules: Rules = Rules()
    # A press that takes longer fails (the form comes back "Not saved"): Teams waits no longer.
    press_timeout: float = 8.0
    outbound_timeout: float = 10.0  # a reply through the Bot Connector


@dataclass(frozen=True)
class Turn:
    """One request: who claims to be calling, from where, and the services to serve it."""

    request: Request
    services: Services
    # Who each press found (the edge marks the answer's buttons with their school from it).
    seen: list[Identified] = field(default_factory=list, compare=False)

    @property
    def conversation_type(self) -> str:
        return self.request.conversation

    async def run(self, use_case: UseCase, *args: Any) -> Pressed[Any]:
        """The press: one use case in one unit of work (identity and chat address included)."""
        services = self.services
        press = run_press(
            services.uow_factory, services.clock, services.rules, self.request, use_case, *args
        )
        pressed = await within(services.press_timeout, press)
        self.seen.append(pressed.who)
        return pressed

    def naming_school(self, answer: "Card | Done") -> "Card | Done":
        """The answer with its buttons naming the school it is about, when its colleague works
        in several schools (a button then acts there, whatever school they work in next);
        everyone else's cards stay as they were."""
        who = self.seen[-1] if self.seen else None
        if who is None or not who.in_several_schools:
            return answer
        if isinstance(answer, Done):
            return replace(answer, card=with_school(answer.card, who.school.id))
        return with_school(answer, who.school.id)

    def link(self, path: str, who: Identified) -> str:
        """A signed, short-lived, absolute link to `path` for this member of staff."""
        return self.services.public_url + self.services.links.link(path, who.staff.id)


@dataclass(frozen=True)
class Done:
    """A finished form: `card` replaces the form's message, `summary` closes a dialog.

    `replaces` names another message to replace instead (an alert's own, when Mark as read
    was pressed on the incident it opened); "" replaces none."""

    card: Card
    summary: str
    replaces: str | None = None
