"""The fonts Sourcebook ships with (OFL, from the registry's font packages).

The window registers them at start and the PDF renderer embeds them, so Latin and Arabic text
look the same on every machine.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import cache
from pathlib import Path


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
