"""The picture of a department's e-seal: a red circle, a five-pointed star and the department
name along the upper arc, drawn with Pillow in the PDFs' CJK font (yishi.core.pdf)."""

from __future__ import annotations

import io
import math

from PIL import Image, ImageDraw, ImageFont

from yishi.core.pdf import font_spec

RED = (200, 16, 30, 255)
SIZE = 480


def _font(size: int) -> ImageFont.FreeTypeFont:
    spec = font_spec()
    return ImageFont.truetype(str(spec.path), size=size, index=spec.face)


def _star(draw: ImageDraw.ImageDraw, cx: float, cy: float, radius: float) -> None:
    points = []
    for i in range(10):
        r = radius if i % 2 == 0 else radius * 0.382
        angle = math.radians(-90 + i * 36)
        points.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
    draw.polygon(points, fill=RED)


def seal_png(name: str, *, label: str = "电子印章") -> bytes:
    """A transparent PNG of a round official seal reading `name` along its upper arc."""
    img = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    centre = SIZE / 2
    border = 14
    draw.ellipse((border, border, SIZE - border, SIZE - border), outline=RED, width=14)
    _star(draw, centre, centre, SIZE * 0.15)

    chars = list(name)[:24] or ["印"]
    size = 58 if len(chars) <= 12 else max(34, int(58 * 12 / len(chars)))
    font = _font(size)
    arc_radius = centre - border - 18 - size / 2
    # The text spans up to 240° of the circle, centred on the top.
    span = min(240.0, 20.0 * len(chars))
    step = span / max(len(chars) - 1, 1) if len(chars) > 1 else 0
    start = -90 - span / 2 if len(chars) > 1 else -90
    for i, char in enumerate(chars):
        angle = start + i * step
        glyph = Image.new("RGBA", (size + 8, size + 8), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text(
            ((size + 8) / 2, (size + 8) / 2), char, font=font, fill=RED, anchor="mm"
        )
        # Each character stands upright towards the centre.
        glyph = glyph.rotate(-(angle + 90), resample=Image.BICUBIC, expand=True)
        x = centre + arc_radius * math.cos(math.radians(angle)) - glyph.width / 2
        y = centre + arc_radius * math.sin(math.radians(angle)) - glyph.height / 2
        img.alpha_composite(glyph, (int(round(x)), int(round(y))))

    label_font = _font(40)
    draw.text((centre, centre + SIZE * 0.25), label, font=label_font, fill=RED, anchor="mm")
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=True)
    return out.getvalue()
