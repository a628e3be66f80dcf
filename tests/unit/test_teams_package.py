"""The Teams app package: manifest content, schema validity, icons and zip layout."""

import copy
import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema.validators import validator_for
from PIL import Image
from referencing import Registry
from referencing.exceptions import NoSuchResource

from bot.commands import parse_command
from bot.teams_package import MANIFEST_DIR, build_package, render_manifest

APP_ID = "6f1c2a3b-4d5e-4f60-8a9b-0c1d2e3f4a5b"
DOMAIN = "kestrel.example.org"
SCHEMA_PATH = MANIFEST_DIR / "schema" / "MicrosoftTeams.schema.v1.25.json"
SCHEMA_URL = "https://developer.microsoft.com/json-schemas/teams/v1.25/MicrosoftTeams.schema.json"


def _refuse_remote(uri: str) -> Any:
    """Fail any $ref that points outside the kept schema instead of fetching it."""
    raise NoSuchResource(ref=uri)


def _schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def _validation_errors(manifest: dict[str, Any]) -> list[str]:
    schema = _schema()
    validator_class = validator_for(schema, default=None)
    assert validator_class is not None, f"unknown $schema draft {schema.get('$schema')!r}"
    validator = validator_class(
        schema,
        registry=Registry(retrieve=_refuse_remote),
        format_checker=validator_class.FORMAT_CHECKER,
    )
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(manifest)]


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[zipfile.ZipFile]:
    out = tmp_path_factory.mktemp("pkg") / "nested" / "build" / "kestrel.zip"
    with zipfile.ZipFile(build_package(APP_ID, DOMAIN, out)) as archive:
        yield archive


def _image(package: zipfile.ZipFile, name: str) -> Image.Image:
    image = Image.open(io.BytesIO(package.read(name)))
    image.load()
    return image


def test_rendered_manifest_validates_against_the_kept_v1_25_schema() -> None:
    assert _validation_errors(render_manifest(APP_ID, DOMAIN)) == []


def test_kept_schema_rejects_a_manifest_that_breaks_it() -> None:
    broken = copy.deepcopy(render_manifest(APP_ID, DOMAIN))
    broken["bots"][0]["botId"] = "not-a-guid"
    broken["composeExtensions"][0]["commands"][0]["title"] = "x" * 33
    errors = _validation_errors(broken)
    assert any("not-a-guid" in error for error in errors)
    assert any("too long" in error for error in errors)


def test_manifest_declares_schema_version_1_25_or_later() -> None:
    manifest = render_manifest(APP_ID, DOMAIN)
    major, minor = (int(part) for part in manifest["manifestVersion"].split("."))
    assert (major, minor) >= (1, 25)
    assert manifest["$schema"] == SCHEMA_URL
    # Draft-04 validators ignore `const`, so check the schema's pinned version here.
    assert manifest["manifestVersion"] == _schema()["properties"]["manifestVersion"]["const"]


def test_app_id_and_domain_fill_every_placeholder() -> None:
    manifest = render_manifest(APP_ID, DOMAIN)
    assert "{{" not in json.dumps(manifest)
    assert manifest["id"] == APP_ID
    assert manifest["version"] == "0.1.0"
    assert manifest["bots"][0]["botId"] == APP_ID
    assert manifest["composeExtensions"][0]["botId"] == APP_ID
    assert manifest["webApplicationInfo"] == {"id": APP_ID, "resource": f"api://{DOMAIN}/{APP_ID}"}
    assert manifest["validDomains"] == [DOMAIN]
    for key in ("websiteUrl", "privacyUrl", "termsOfUseUrl"):
        assert manifest["developer"][key].startswith(f"https://{DOMAIN}/")
    assert manifest["name"] == {"short": "Kestrel", "full": "Kestrel safeguarding"}


def test_bot_works_in_personal_team_and_group_chat_and_accepts_files() -> None:
    bot = render_manifest(APP_ID, DOMAIN)["bots"][0]
    assert set(bot["scopes"]) == {"personal", "team", "groupChat"}
    assert bot["supportsFiles"] is True


def test_personal_scope_lists_every_command_and_channels_help_add_incident_and_triage() -> None:
    lists = render_manifest(APP_ID, DOMAIN)["bots"][0]["commandLists"]
    titles = {scope: [c["title"] for c in cl["commands"]] for cl in lists for scope in cl["scopes"]}
    assert titles["personal"] == ["help", "add incident", "dashboard", "settings"]
    assert titles["team"] == ["help", "add incident", "triage here"]
    assert titles["groupChat"] == ["help", "add incident"]


def test_every_command_in_the_teams_menu_is_one_the_bot_understands() -> None:
    lists = render_manifest(APP_ID, DOMAIN)["bots"][0]["commandLists"]
    titles = {c["title"] for cl in lists for c in cl["commands"]}
    assert {t: parse_command(t).name for t in titles if parse_command(t).name == "unknown"} == {}


def test_message_action_records_a_concern_through_a_fetched_dialog() -> None:
    (command,) = render_manifest(APP_ID, DOMAIN)["composeExtensions"][0]["commands"]
    assert command["id"] == "recordConcern"
    assert command["type"] == "action"
    assert command["context"] == ["message"]
    assert command["fetchTask"] is True
    assert command["description"] == "Record a concern from this message"


@pytest.mark.parametrize(
    "app_id",
    [
        "",
        "not-a-guid",
        "6f1c2a3b4d5e4f608a9b0c1d2e3f4a5b",
        "{6f1c2a3b-4d5e-4f60-8a9b-0c1d2e3f4a5b}",
    ],
)
def test_app_id_that_is_not_a_guid_is_refused(app_id: str) -> None:
    with pytest.raises(ValueError, match="GUID"):
        render_manifest(app_id, DOMAIN)


@pytest.mark.parametrize(
    "domain",
    [
        "",
        "https://kestrel.example.org",
        "kestrel.example.org/api/messages",
        "kestrel.example.org:443",
        "*.example.org",
        "kestrel example.org",
        'kestrel.example.org", "x": "',
    ],
)
def test_domain_that_is_not_a_bare_host_name_is_refused(domain: str) -> None:
    with pytest.raises(ValueError, match="bare host name"):
        render_manifest(APP_ID, domain)


def test_package_holds_exactly_manifest_and_icons_at_its_root(package: zipfile.ZipFile) -> None:
    assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]


def test_packaged_manifest_is_the_rendered_manifest(package: zipfile.ZipFile) -> None:
    assert json.loads(package.read("manifest.json")) == render_manifest(APP_ID, DOMAIN)


def test_package_is_written_under_missing_parent_directories(tmp_path: Path) -> None:
    out = tmp_path / "a" / "b" / "kestrel.zip"
    assert build_package(APP_ID, DOMAIN, out) == out
    assert zipfile.is_zipfile(out)


def test_icons_have_the_sizes_teams_requires(package: zipfile.ZipFile) -> None:
    assert _image(package, "color.png").size == (192, 192)
    assert _image(package, "outline.png").size == (32, 32)


def test_outline_icon_is_white_on_transparent(package: zipfile.ZipFile) -> None:
    outline = _image(package, "outline.png")
    assert outline.mode == "RGBA"
    pixels = outline.tobytes()
    rgba = [tuple(pixels[i : i + 4]) for i in range(0, len(pixels), 4)]
    assert all(a == 0 or (r, g, b) == (255, 255, 255) for r, g, b, a in rgba)
    assert any(a == 0 for *_, a in rgba)
    assert any(a == 255 for *_, a in rgba)


def test_colour_icon_is_a_drawing_not_a_flat_colour(package: zipfile.ZipFile) -> None:
    colours = _image(package, "color.png").convert("RGB").getcolors(maxcolors=192 * 192)
    assert colours is not None
    assert len(colours) >= 4
    # No single colour may cover the whole icon's area bar a sliver.
    assert max(count for count, _ in colours) < 0.8 * 192 * 192
