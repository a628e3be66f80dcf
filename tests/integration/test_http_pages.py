"""/privacy and /terms, where the Teams app's manifest sends people: Kestrel's shipped pages, or
a redirect to the school's own."""

from urllib.parse import urlsplit

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from bot.app import create_app
from bot.settings import Settings
from bot.teams_package import render_manifest

APP_ID = "8a1f0c52-3b7e-4d2a-9f60-5c4e2b1d0a99"


@pytest.mark.parametrize(
    ("field", "heading"),
    [("privacyUrl", "Kestrel: privacy notice"), ("termsOfUseUrl", "Kestrel: terms of use")],
)
async def test_the_manifests_privacy_and_terms_links_are_served(running_bot, field, heading):
    link = render_manifest(APP_ID, "kestrel.example.sch.uk")["developer"][field]
    async with running_bot.http.get(running_bot.url + urlsplit(link).path) as response:
        page = await response.text()
        assert response.status == 200
        assert response.content_type == "text/html"
        assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert f"<h1>{heading}</h1>" in page


async def test_a_school_with_its_own_pages_is_redirected_there(
    engine, clock, keyring, audit_keys, database_url
):
    settings = Settings(
        database_url=database_url,
        local=True,
        send_alerts=False,
        privacy_url="https://school.example.sch.uk/privacy-notice",
        terms_url="https://school.example.sch.uk/acceptable-use",
    )
    app = create_app(settings, engine=engine, clock=clock, keyring=keyring, audit_keys=audit_keys)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as http:
            for path, target in (
                ("/privacy", settings.privacy_url),
                ("/terms", settings.terms_url),
            ):
                async with http.get(server.make_url(path), allow_redirects=False) as response:
                    assert response.status == 302
                    assert response.headers["Location"] == target
    finally:
        await server.close()
