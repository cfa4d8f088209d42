"""The fonts Sourcebook ships with (OFL, from the registry's font packages).

The window registers them at start and the PDF renderer embeds them, so Latin and Arabic text
look the same on every machine.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any


def _package_file(package: str, name: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise FileNotFoundError(f"font package {package} is not installed")
    path = Path(spec.origin).parent / "files" / name
    if not path.is_file():
        raise FileNotFoundError(f"{name} is missing from {package}")
    return path


@dataclass(frozen=True)
class FontSet:
    """Paths of the bundled font files.

    Attributes:
        sans: Noto Sans (variable: width and weight axes).
        sans_italic: Noto Sans Italic (variable).
        arabic: Noto Sans Arabic (variable).
        naskh_regular: Amiri Regular, a static Arabic naskh face.
        naskh_bold: Amiri Bold.
    """

    sans: Path
    sans_italic: Path
    arabic: Path
    naskh_regular: Path
    naskh_bold: Path

    def all(self) -> tuple[Path, ...]:
        """Every file, for registration with a font database."""
        return (self.sans, self.sans_italic, self.arabic, self.naskh_regular, self.naskh_bold)


@cache
def font_files() -> FontSet:
    """The bundled fonts' paths (raises FileNotFoundError if a font package is missing)."""
    return FontSet(
        sans=_package_file("fontpkg_noto_sans", "NotoSans[wdth,wght].ttf"),
        sans_italic=_package_file("fontpkg_noto_sans", "NotoSans-Italic[wdth,wght].ttf"),
        arabic=_package_file("fontpkg_noto_sans_arabic", "NotoSansArabic[wdth,wght].ttf"),
        naskh_regular=_package_file("fontpkg_amiri", "Amiri-Regular.ttf"),
        naskh_bold=_package_file("fontpkg_amiri", "Amiri-Bold.ttf"),
    )


@dataclass(frozen=True)
class StaticFonts:
    """Static (non-variable) TrueType files for renderers that cannot read variable fonts.

    Attributes:
        sans_regular: Noto Sans Regular (wght 400, wdth 100).
        sans_bold: Noto Sans Bold (wght 700).
        sans_italic: Noto Sans Italic (wght 400).
        arabic_regular: Noto Sans Arabic Regular.
        arabic_bold: Noto Sans Arabic Bold.
    """

    sans_regular: Path
    sans_bold: Path
    sans_italic: Path
    arabic_regular: Path
    arabic_bold: Path


def _cache_dir() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("sourcebook", appauthor=False)) / "fonts"


def _instance(src: Path, weight: int, name: str, cache: Path) -> Path:
    """A static instance of the variable font ``src`` at ``weight``, made once and cached."""
    stat = src.stat()
    out = cache / f"{name}-{weight}-{stat.st_size}-{int(stat.st_mtime)}-v2.ttf"
    if out.is_file():
        return out
    from fontTools.ttLib import TTFont
    from fontTools.varLib.instancer import instantiateVariableFont

    font = TTFont(str(src))
    axes = {a.axisTag for a in font["fvar"].axes} if "fvar" in font else set()
    if axes:
        loc = {"wght": float(weight)} if "wght" in axes else {}
        if "wdth" in axes:
            loc["wdth"] = 100.0
        font = instantiateVariableFont(font, loc, updateFontNames=False)
    _rename(font, name, weight)
    cache.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    font.save(str(tmp))
    tmp.replace(out)  # atomic: a concurrent export never sees half a file
    return out


def _rename(font: Any, name: str, weight: int) -> None:
    """Give an instance its own names: renderers tell faces apart by PostScript name."""
    style = {400: "Regular", 700: "Bold"}.get(weight, str(weight))
    if name.endswith("-Italic"):
        name = name.removesuffix("-Italic")
        style = "Italic" if weight == 400 else f"{style}Italic"
    table = font["name"]
    for rec in list(table.names):
        if rec.nameID in (1, 2, 3, 4, 6, 16, 17, 25):
            table.removeNames(nameID=rec.nameID)
    table.setName(name.replace("NotoSans", "Noto Sans ").strip(), 1, 3, 1, 0x409)
    table.setName(style, 2, 3, 1, 0x409)
    table.setName(f"{name}-{style};sourcebook", 3, 3, 1, 0x409)
    table.setName(f"{name} {style}", 4, 3, 1, 0x409)
    table.setName(f"{name}-{style}", 6, 3, 1, 0x409)


@cache
def static_fonts(cache_dir: Path | None = None) -> StaticFonts:
    """Static Regular/Bold instances of the bundled variable fonts (cached in the user cache)."""
    f = font_files()
    d = cache_dir or _cache_dir()
    return StaticFonts(
        sans_regular=_instance(f.sans, 400, "NotoSans", d),
        sans_bold=_instance(f.sans, 700, "NotoSans", d),
        sans_italic=_instance(f.sans_italic, 400, "NotoSans-Italic", d),
        arabic_regular=_instance(f.arabic, 400, "NotoSansArabic", d),
        arabic_bold=_instance(f.arabic, 700, "NotoSansArabic", d),
    )
