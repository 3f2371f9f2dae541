"""newsclean: turn raw scraped news into a clean, deduplicated corpus.

Composable cleaners (:mod:`newsclean.text`), a rule catalog as data (:mod:`newsclean.catalog`,
``newsclean/rules/*.toml``), a pipeline with explain and replay (:mod:`newsclean.pipeline`), and
near-duplicate paragraphs across articles (:mod:`newsclean.dedup`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .catalog import Catalog, CatalogError, Rule, default_catalog, load_rule_file
from .document import Change, Cleaned, Document
from .lang import detect_lang
from .pipeline import BlankLines, Pipeline, RuleCleaner, TextCleaner, line_filter, replay, text_cleaner
from .text import fix_unicode, normalize_spaces, remove_invisible, strip_line

if TYPE_CHECKING:  # type checkers see the lazy names below with their real signatures
    from .corpus_dedup import DocumentGroup, deduplicate, duplicate_groups

__version__ = "0.1.0"

__all__ = [
    "BlankLines",
    "Catalog",
    "CatalogError",
    "Change",
    "DocumentGroup",
    "Cleaned",
    "Document",
    "Pipeline",
    "Rule",
    "RuleCleaner",
    "TextCleaner",
    "__version__",
    "clean",
    "deduplicate",
    "default_catalog",
    "detect_lang",
    "duplicate_groups",
    "explain",
    "fix_unicode",
    "line_filter",
    "load_rule_file",
    "normalize_spaces",
    "remove_invisible",
    "replay",
    "strip_line",
    "text_cleaner",
]

_DEFAULT: Pipeline | None = None


def _default() -> Pipeline:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Pipeline.default()
    return _DEFAULT


def clean(doc: Document | str) -> str:
    """Clean one text or document with the default pipeline.

    >>> clean("TOPMEDIA - Putin bicara.\\nBaca Juga: Teknologi Jet Tempur")
    'Putin bicara.'
    """
    return _default().clean(doc)


def explain(doc: Document | str) -> Cleaned:
    """Clean with the default pipeline and return the text with every change made."""
    return _default().explain(doc)


def __getattr__(name: str) -> object:
    # The near-duplicate functions load numba: only when asked for (``import newsclean`` stays light).
    if name in ("deduplicate", "duplicate_groups", "DocumentGroup"):
        from . import corpus_dedup

        return getattr(corpus_dedup, name)
    raise AttributeError(f"module 'newsclean' has no attribute {name!r}")
