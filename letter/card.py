"""The link-preview image (Open Graph / Twitter card): the letter's title and live count, drawn
on the server with Pillow so sharing needs no third-party service."""

import io
import textwrap
from pathlib import Path

from django.utils.formats import number_format
from django.utils.translation import ngettext
from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 1200, 630
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


def _font(size: int, bold: bool = False):
    path = FONT_DIR / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
    if path.exists():
        return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)  # Pillow's own scalable font


def render_card(*, title: str, count: int, site: str) -> bytes:
    image = Image.new("RGB", (WIDTH, HEIGHT), "#fbfbf8")
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, WIDTH, 14], fill="#1d4ed8")
    y = 80
    for line in textwrap.wrap(title, width=30)[:4]:
        draw.text((80, y), line, font=_font(64, bold=True), fill="#1a1a1a")
        y += 80
    draw.text((80, HEIGHT - 190), number_format(count, force_grouping=True), font=_font(96, bold=True), fill="#1e3a8a")
    # Translators: under the number of signatures on the link-preview image
    label = ngettext("verified signature", "verified signatures", count)
    draw.text((80, HEIGHT - 80), label, font=_font(36), fill="#5b616b")
    draw.text((WIDTH - 80, HEIGHT - 80), site, font=_font(36, bold=True), fill="#1a1a1a", anchor="ra")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
