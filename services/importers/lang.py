"""Language of a text (ISO 639-1 code), from a sample so that long texts cost no more."""

from __future__ import annotations

import threading

SAMPLE_CHARS = 1500  # characters looked at (enough to tell en, ar, fr apart; cost is linear)
_lock = threading.Lock()  # py3langid's shared model is built lazily; build it once


def detect_language(text: str) -> str:
    """The language code ("en", "ar", "fr"...), or "" when the text is too short to tell."""
    sample = text[:SAMPLE_CHARS].strip()
    if sum(ch.isalpha() for ch in sample[:400]) < 12:
        return ""
    with _lock:
        import py3langid

        code, _score = py3langid.classify(sample)
    return str(code)


def warm_up() -> None:
    """Load the language model now (about 0.8 s, once per process) rather than at first import.

    A process that forks workers, or a window that wants its first import to start at once,
    calls this early; detection is otherwise loaded on first use.
    """
    detect_language("Loading the language model before the first import of a file.")
