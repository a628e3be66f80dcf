"""Build the Teams app package: manifest.json plus the two icons, zipped at the root."""

import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

from PIL import Image

from bot.icons import draw_colour_icon, draw_outline_icon

MANIFEST_DIR = Path(__file__).resolve().parents[1] / "manifest"
TEMPLATE = MANIFEST_DIR / "manifest.template.json"
PACKAGE_ENTRIES = ("manifest.json", "color.png", "outline.png")

# The same pattern as the manifest schema's `guid` definition.
_GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_HOST_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")
# A fixed timestamp keeps the zip byte-for-byte reproducible for the same inputs.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _check_app_id(app_id: str) -> str:
    """The app id, lower-cased, or ValueError if it is not a GUID."""
    if not _GUID.fullmatch(app_id):
        raise ValueError(
            f"app id must be the bot's Entra application (client) id, a GUID like "
            f"00000000-0000-0000-0000-000000000000; got {app_id!r}"
        )
    return app_id.lower()


def _check_domain(domain: str) -> str:
    """The domain, lower-cased, or ValueError if it is not a bare host name."""
    labels = domain.split(".")
    if len(domain) > 253 or not all(_HOST_LABEL.fullmatch(label) for label in labels):
        raise ValueError(
            f"domain must be a bare host name like kestrel.example.org "
            f"(no scheme, path or port); got {domain!r}"
        )
    return domain.lower()


def render_manifest(app_id: str, domain: str) -> dict[str, Any]:
    """The Teams manifest for this app id and host name, from manifest/manifest.template.json."""
    # Both values are checked before substitution, so neither can break out of a JSON string.
    text = TEMPLATE.read_text(encoding="utf-8")
    text = text.replace("{{APP_ID}}", _check_app_id(app_id))
    text = text.replace("{{DOMAIN}}", _check_domain(domain))
    return json.loads(text)


def _png(image: Image.Image) -> bytes:
    """The image encoded as PNG."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def build_package(app_id: str, domain: str, out: Path) -> Path:
    """Write the app package zip (manifest.json, color.png, outline.png) to out and return it."""
    manifest = json.dumps(render_manifest(app_id, domain), indent=2, ensure_ascii=False)
    contents = {
        "manifest.json": (manifest + "\n").encode("utf-8"),
        "color.png": _png(draw_colour_icon()),
        "outline.png": _png(draw_outline_icon()),
    }
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as package:
        for name in PACKAGE_ENTRIES:
            entry = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            package.writestr(entry, contents[name])
    return out
