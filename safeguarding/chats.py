"""Where Kestrel can reach each member of staff: their 1:1 chat with the bot (for alerts).

Teams' ids are opaque here; they are kept up to date from every personal-chat turn and
forgotten when the member of staff removes Kestrel.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class ChatAddress:
    conversation_id: str
    service_url: str  # differs by region: always the one Teams last used
    tenant_id: str
    bot_id: str
    user_id: str  # the bot-scoped 29:... id
