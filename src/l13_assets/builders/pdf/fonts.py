"""DejaVu fonts for the cheatsheet, registered once and used everywhere reportlab would fall back to Helvetica.

Helvetica is neither embedded nor has Greek, and reportlab falls back to it in four places: the canvas'
initial font, table styles, drawings (``STATE_DEFAULTS``) and bullets. ``register()`` covers the first three
names and the drawing default; the layout passes ``SANS`` to tables and bullets explicitly.
"""

from __future__ import annotations

import os

SANS = "DejaVuSans"
SANS_BOLD = "DejaVuSans-Bold"
SANS_ITALIC = "DejaVuSans-Oblique"
SANS_BOLD_ITALIC = "DejaVuSans-BoldOblique"

NAMES = (SANS, SANS_BOLD, SANS_ITALIC, SANS_BOLD_ITALIC)
_FILES = {
    SANS: "DejaVuSans.ttf",
    SANS_BOLD: "DejaVuSans-Bold.ttf",
    SANS_ITALIC: "DejaVuSans-Oblique.ttf",
    SANS_BOLD_ITALIC: "DejaVuSans-BoldOblique.ttf",
}


def font_dir() -> str:
    import matplotlib

    return os.path.join(matplotlib.get_data_path(), "fonts", "ttf")


def register() -> None:
    """Register the DejaVu Sans family (idempotent) and make it the default font of drawings."""
    from reportlab.graphics import shapes
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    registered = set(pdfmetrics.getRegisteredFontNames())
    for name, file in _FILES.items():
        if name not in registered:
            pdfmetrics.registerFont(TTFont(name, os.path.join(font_dir(), file)))
    for bold, italic, name in ((0, 0, SANS), (1, 0, SANS_BOLD), (0, 1, SANS_ITALIC), (1, 1, SANS_BOLD_ITALIC)):
        addMapping(SANS, bold, italic, name)
    shapes.STATE_DEFAULTS["fontName"] = SANS
