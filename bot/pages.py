"""/privacy and /terms: the pages the Teams app's manifest links to (privacyUrl, termsOfUseUrl).

Kestrel ships plain default pages; a school that has its own privacy notice or terms sets
KESTREL_PRIVACY_URL / KESTREL_TERMS_URL and these addresses redirect there.
"""

from functools import cache
from importlib.resources import files

from aiohttp import web

from bot.keys import SETTINGS

# The shipped pages hold no script, image or link to fetch: nothing else may load with them.
_HEADERS = {
    "Cache-Control": "public, max-age=3600",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "X-Content-Type-Options": "nosniff",
}


async def privacy(request: web.Request) -> web.Response:
    """GET /privacy: the school's privacy notice, or Kestrel's default one."""
    return _page(request.app[SETTINGS].privacy_url, "privacy.html")


async def terms(request: web.Request) -> web.Response:
    """GET /terms: the school's terms of use, or Kestrel's default ones."""
    return _page(request.app[SETTINGS].terms_url, "terms.html")


def _page(replacement: str, shipped: str) -> web.Response:
    if replacement:
        raise web.HTTPFound(replacement)
    return web.Response(text=_shipped(shipped), content_type="text/html", headers=_HEADERS)


@cache
def _shipped(name: str) -> str:
    return files("bot").joinpath("static", name).read_text(encoding="utf-8")
