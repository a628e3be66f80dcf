"""Kestrel's Teams app icons, drawn with Pillow so the package needs no binary assets."""

import math

from PIL import Image, ImageDraw

Point = tuple[float, float]

_SUPERSAMPLE = 8
_BACKGROUND = (14, 84, 102)  # #0E5466, also the manifest's accentColor
_SHIELD = (250, 244, 232)
_BIRD = (193, 90, 44)  # a kestrel's rufous back
_MARKINGS = (58, 42, 36)  # dark wing tips and tail band


def _curve(p0: Point, p1: Point, p2: Point, steps: int = 24) -> list[Point]:
    """Points along a quadratic Bezier curve from p0 to p2, pulled towards p1."""
    return [
        (
            (1 - t) ** 2 * p0[0] + 2 * (1 - t) * t * p1[0] + t**2 * p2[0],
            (1 - t) ** 2 * p0[1] + 2 * (1 - t) * t * p1[1] + t**2 * p2[1],
        )
        for t in (i / steps for i in range(steps + 1))
    ]


def _mirror(points: list[Point]) -> list[Point]:
    """The same outline reflected in the vertical centre line, in drawing order."""
    return [(1 - x, y) for x, y in reversed(points)]


def _circle(cx: float, cy: float, r: float, steps: int = 48) -> list[Point]:
    """A circle as a polygon."""
    angles = (2 * math.pi * i / steps for i in range(steps))
    return [(cx + r * math.cos(a), cy + r * math.sin(a)) for a in angles]


def _shield() -> list[Point]:
    """The shield outline in unit coordinates."""
    left = _curve((0.5, 0.91), (0.24, 0.78), (0.2, 0.5))
    left += _curve((0.2, 0.21), (0.38, 0.19), (0.5, 0.1))
    return left + _mirror(left)[1:]


def _bird() -> list[list[Point]]:
    """A hovering kestrel seen from below, in unit coordinates: wings, tail, body, head."""
    wing = [(0.47, 0.42), (0.41, 0.36), (0.33, 0.335), (0.2, 0.375), (0.25, 0.405), (0.27, 0.43)]
    wing += [(0.3, 0.445), (0.33, 0.465), (0.37, 0.485), (0.47, 0.54)]
    body = _curve((0.5, 0.34), (0.405, 0.43), (0.5, 0.62))
    tail = [(0.47, 0.58), (0.435, 0.74), (0.5, 0.755), (0.565, 0.74), (0.53, 0.58)]
    return [wing, _mirror(wing), tail, body + _mirror(body), _circle(0.5, 0.335, 0.045)]


def _markings() -> list[list[Point]]:
    """The kestrel's dark wing tips and tail band, in unit coordinates."""
    tip = [(0.3, 0.338), (0.2, 0.375), (0.25, 0.405), (0.27, 0.43), (0.29, 0.44), (0.285, 0.39)]
    band = [(0.441, 0.715), (0.435, 0.74), (0.5, 0.755), (0.565, 0.74), (0.559, 0.715), (0.5, 0.73)]
    return [tip, _mirror(tip), band]


def _scaled(points: list[Point], size: int) -> list[Point]:
    """Unit coordinates scaled to a square canvas of the given size."""
    return [(x * size, y * size) for x, y in points]


def draw_colour_icon() -> Image.Image:
    """The 192x192 full-colour icon: a kestrel on a shield on a teal background."""
    size = 192 * _SUPERSAMPLE
    image = Image.new("RGB", (size, size), _BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.polygon(_scaled(_shield(), size), fill=_SHIELD)
    for part in _bird():
        draw.polygon(_scaled(part, size), fill=_BIRD)
    for part in _markings():
        draw.polygon(_scaled(part, size), fill=_MARKINGS)
    return image.resize((192, 192), Image.Resampling.LANCZOS)


def draw_outline_icon() -> Image.Image:
    """The 32x32 outline icon: a white shield outline and kestrel on full transparency."""
    size = 32 * _SUPERSAMPLE
    # Draw the alpha channel alone: resampling RGBA would pull edge pixels off pure white,
    # and Teams wants the outline icon strictly white on transparent.
    mask = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(mask)
    shield = _scaled(_shield(), size)
    draw.line([*shield, shield[0]], fill=255, width=round(size * 0.07), joint="curve")
    for part in _bird():
        draw.polygon(_scaled(part, size), fill=255)
    icon = Image.new("RGBA", (32, 32), (255, 255, 255, 0))
    icon.putalpha(mask.resize((32, 32), Image.Resampling.LANCZOS))
    return icon
