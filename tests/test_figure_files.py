"""The figure files: byte-reproducible SVG and PNG, the PNG the SVG's drawing, print resolution, the render memo."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from l13_assets.builders import Context
from l13_assets.builders.figures import (
    PNG_DPI,
    Renders,
    Size,
    default_size,
    figure,
    figure_ids,
    render,
    render_formats,
)
from l13_assets.builders.registry import builders
from l13_assets.loader import Source
from l13_assets.model import FIGURE_IDS, Lesson

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "source" / "l13.yaml"


def fresh(lesson: Lesson, figure_id: str, fmt: str, size: Size | None = None) -> bytes:
    """A render drawn now (no renders shared with another call)."""
    return render(lesson, figure_id, fmt, size)


@pytest.mark.parametrize("fmt", ["svg", "png"])
def test_two_renders_are_byte_identical(lesson: Lesson, fmt: str) -> None:
    for figure_id in figure_ids(lesson):
        assert fresh(lesson, figure_id, fmt) == fresh(lesson, figure_id, fmt)


def test_one_drawing_saved_twice_gives_the_bytes_of_separate_renders(lesson: Lesson) -> None:
    both = render_formats(lesson, "fig-tradeoff", ("png", "svg"))
    assert both == {fmt: fresh(lesson, "fig-tradeoff", fmt) for fmt in ("png", "svg")}


def _grey_cells(png: bytes, height: int, cell: int = 8) -> Any:
    """The image in grey, averaged over cells of ``cell`` px: anti-aliasing and hinting average out, a
    missing label or line does not."""
    import io

    import numpy as np
    from PIL import Image

    grey = np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=float)[:height]
    h, w = grey.shape[0] // cell * cell, grey.shape[1] // cell * cell
    return grey[:h, :w].reshape(h // cell, cell, w // cell, cell).mean(axis=(1, 3))


@pytest.mark.parametrize("figure_id", FIGURE_IDS)
def test_the_png_is_the_svg_drawing_rasterised_with_its_text(lesson: Lesson, figure_id: str) -> None:
    """resvg's PNG of the SVG against matplotlib's own raster of the same figure: the same drawing, text
    included (the SVG without its text, rasterised the same way, is at least twice as far off)."""
    import io
    import re

    import numpy as np

    from l13_assets.builders import figure_render as module
    from l13_assets.builders.figure_svg import to_png

    size = default_size(figure_id)
    svg = fresh(lesson, figure_id, "svg")
    png = render(lesson, figure_id, "png")
    fig = figure(lesson, figure_id, width_in=size.width_in, height_in=size.height_in, font_pt=size.font_pt)
    agg = io.BytesIO()
    with module._style(size):
        fig.savefig(agg, format="png", dpi=PNG_DPI)
    height = png_size(agg.getvalue())[1]
    assert abs(png_size(png)[1] - height) <= 1 and png_size(png)[0] == round(size.width_in * PNG_DPI)
    reference = _grey_cells(agg.getvalue(), height)
    ours = np.abs(_grey_cells(png, height) - reference).mean()
    textless = to_png(re.sub(rb"<text[^>]*>[^<]*</text>", b"", svg), png_size(png)[0])
    assert ours < 0.5 * np.abs(_grey_cells(textless, height) - reference).mean()


def test_the_png_is_opaque_and_has_no_text_chunks(lesson: Lesson) -> None:
    import io

    import numpy as np
    from PIL import Image

    for figure_id in figure_ids(lesson):
        png = render(lesson, figure_id, "png")
        decoded = Image.open(io.BytesIO(png))
        decoded.load()  # checks every chunk's CRC and the zlib stream
        pixels = np.asarray(decoded.convert("RGBA"))
        assert (pixels[:, :, 3] == 255).all(), "a white background under the whole figure"
        assert len(png) < 250_000
        assert not any(chunk in png for chunk in (b"tEXt", b"iTXt", b"zTXt", b"tIME"))


def test_renders_are_remembered_per_lesson_value_and_arguments(lesson: Lesson,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from l13_assets.builders import figure_render as module

    drawn: list[str] = []
    real_draw = module._draw

    def counted(lesson: Lesson, figure_id: str, size: Size, **options: Any) -> Any:
        drawn.append(figure_id)
        return real_draw(lesson, figure_id, size, **options)

    monkeypatch.setattr(module, "_draw", counted)
    renders = Renders()  # one build's
    first = render_formats(lesson, "fig-tradeoff", ("svg", "png"), renders=renders)
    assert render(lesson, "fig-tradeoff", "svg", renders=renders) is first["svg"] and len(drawn) == 1
    render(lesson, "fig-tradeoff", "svg", Size(6.0, 2.6), renders)
    assert len(drawn) == 2, "another size is another drawing"
    # An edited lesson is another key, even though it is equal in everything the test does not change.
    example = lesson.examples[0].model_copy(update={"name": "Edited example"})
    edited = lesson.model_copy(update={"examples": (example, *lesson.examples[1:])})
    svg = render(edited, "fig-tradeoff", "svg", renders=renders)
    assert len(drawn) == 3 and "Edited example" in svg.decode() and svg != first["svg"]
    assert render(lesson, "fig-tradeoff", "svg", renders=renders) is first["svg"]
    render(lesson, "fig-tradeoff", "svg")
    assert len(drawn) == 4, "another build (no renders passed) draws again"


def test_another_hash_seed_in_another_process_gives_the_same_bytes(lesson: Lesson) -> None:
    script = (
        "import sys, hashlib; from pathlib import Path; from l13_assets.loader import load;"
        "from l13_assets.builders.figures import render, figure_ids;"
        "lesson = load(Path(sys.argv[1])).lesson;"
        "print(' '.join(hashlib.sha256(render(lesson, f, x)).hexdigest()"
        " for f in figure_ids(lesson) for x in ('svg', 'png')))"
    )
    import hashlib

    expected = " ".join(hashlib.sha256(render(lesson, f, x)).hexdigest()
                        for f in figure_ids(lesson) for x in ("svg", "png"))
    for seed in ("1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-c", script, str(SOURCE)], env=env, capture_output=True,
                              text=True, check=True)
        assert done.stdout.strip() == expected, f"PYTHONHASHSEED={seed}"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_png_is_print_resolution_and_svg_has_no_date(lesson: Lesson) -> None:
    for figure_id in figure_ids(lesson):
        png = render(lesson, figure_id, "png")
        assert png_size(png)[0] == round(default_size(figure_id).width_in * PNG_DPI) and PNG_DPI >= 200
        assert b"tIME" not in png and b"Software" not in png
        svg = render(lesson, figure_id, "svg").decode()
        assert svg.lstrip().startswith("<?xml") and "</svg>" in svg
        assert "<dc:date>" not in svg and "dc:date" not in svg
        assert "Matplotlib v" not in svg
        assert "font-family: 'DejaVu Sans'" in svg or "font-family:'DejaVu Sans'" in svg
        assert "β" in svg and "R = -" not in svg
        if figure_id == "fig-policy-vs-beta":
            assert "R = −1.0" in svg  # the practice problem's third reward, with a true minus sign


def test_a_small_render_keeps_fonts_legible(lesson: Lesson) -> None:
    small = figure(lesson, "fig-policy-vs-beta", width_in=4.0, height_in=2.2)
    sizes = {t.get_fontsize() for t in small.findobj(lambda a: hasattr(a, "get_fontsize"))}
    assert min(sizes) >= 6
    png = render(lesson, "fig-policy-vs-beta", "png", Size(4.0, 2.2))
    assert png_size(png) == (960, 528)  # 240 dpi


def test_unknown_figure_or_format_is_refused(lesson: Lesson) -> None:
    with pytest.raises(ValueError, match="fig-nope"):
        render(lesson, "fig-nope", "svg")
    with pytest.raises(ValueError, match="pdf"):
        render(lesson, "fig-tradeoff", "pdf")


def test_build_returns_every_figure_in_both_formats_without_writing(source: Source, tmp_path: Path) -> None:
    before = set(tmp_path.iterdir())
    outputs = builders()["figures"].build(Context.of(source, tmp_path / "l13.yaml")).files
    assert [o.path for o in outputs] == [f"figures/{f}.{x}" for f in figure_ids(source.lesson) for x in ("svg", "png")]
    assert outputs[1].data == render(source.lesson, "fig-policy-vs-beta", "png")
    assert set(tmp_path.iterdir()) == before


def test_importing_the_module_does_not_import_matplotlib() -> None:
    script = ("import sys; import l13_assets.builders.figures;"
              "print('matplotlib' in sys.modules, 'numpy' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False"]
