"""The body-map picture: front and back outlines with the numbered markers (Pillow, in memory).

A view like the cards: markers in, PNG bytes out, no I/O. Notes are never drawn (the picture
may be downloaded); the numbers point to the notes listed with the incident.
"""

import io
from collections.abc import Sequence

from PIL import Image, ImageDraw, ImageFont

from safeguarding.incidents import REGIONS, SIDES, Marker

WIDTH, HEIGHT, FIGURE = 520, 460, 260
_INK, _MARK, _PAPER = (75, 85, 99), (185, 28, 28), (255, 255, 255)
# Where each region is on a figure drawn at x 0..260 (front: the person faces us, so their
# left is on our right; back: as seen from behind, their left is on our left).
_FRONT = {
    "Head": (130, 45),
    "Face": (130, 52),
    "Neck": (130, 88),
    "Chest": (130, 130),
    "Abdomen": (130, 185),
    "Upper back": (130, 130),
    "Lower back": (130, 190),
    "Buttocks": (130, 225),
    "Genital area": (130, 232),
    "Left arm": (185, 150),
    "Right arm": (75, 150),
    "Left hand": (195, 235),
    "Right hand": (65, 235),
    "Left leg": (152, 320),
    "Right leg": (108, 320),
    "Left foot": (155, 425),
    "Right foot": (105, 425),
}
_BACK = {r: ((260 - x) if "Left" in r or "Right" in r else x, y) for r, (x, y) in _FRONT.items()}
assert set(_FRONT) == set(REGIONS)


def body_map_png(markers: Sequence[Marker]) -> bytes:
    """Both outlines, labelled, with a numbered red dot per marker."""
    image = Image.new("RGB", (WIDTH, HEIGHT), _PAPER)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default()
    for offset, side in ((0, SIDES[0]), (FIGURE, SIDES[1])):
        _outline(draw, offset)
        draw.text((offset + 10, 8), side, fill=_INK, font=font)
    for marker in markers:
        places = _FRONT if marker.side == SIDES[0] else _BACK
        x, y = places.get(marker.region, (130, 240))
        x += 0 if marker.side == SIDES[0] else FIGURE
        draw.ellipse((x - 11, y - 11, x + 11, y + 11), fill=_MARK)
        draw.text((x, y), str(marker.number), fill=_PAPER, font=font, anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _outline(draw: ImageDraw.ImageDraw, x: int) -> None:
    """A plain figure: head, neck, torso, arms, hands, legs, feet."""
    draw.ellipse((x + 105, 20, x + 155, 80), outline=_INK, width=2)
    draw.line((x + 130, 80, x + 130, 95), fill=_INK, width=2)
    draw.rounded_rectangle((x + 90, 95, x + 170, 240), radius=18, outline=_INK, width=2)
    for arm in ((x + 60, 100, x + 88, 220), (x + 172, 100, x + 200, 220)):
        draw.rounded_rectangle(arm, radius=12, outline=_INK, width=2)
    for hand in ((x + 55, 222, x + 78, 250), (x + 182, 222, x + 205, 250)):
        draw.ellipse(hand, outline=_INK, width=2)
    for leg in ((x + 92, 240, x + 126, 410), (x + 134, 240, x + 168, 410)):
        draw.rounded_rectangle(leg, radius=12, outline=_INK, width=2)
    for foot in ((x + 88, 410, x + 124, 438), (x + 136, 410, x + 172, 438)):
        draw.ellipse(foot, outline=_INK, width=2)
