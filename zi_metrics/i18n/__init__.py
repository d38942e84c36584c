"""String catalogues: one JSON file per language in this folder (``id.json`` is the default).

Keys are flat, dotted names (``page.overview``, ``col.total``). Values are
``str.format`` templates: ``t("gap.points", "id", gap="2,35")`` -> ``"kurang 2,35 poin"``.

Domain terms keep the regulation's Indonesian names in every language (pengungkit,
hasil, Menuju WBK, Menuju WBBM, LKE, TPI, TPN); an English string may add a gloss in
brackets, never replace the term. Areas and hasil measures are not in the catalogues: their
one name per language comes from the framework file (:mod:`zi_metrics.names`).

Missing keys: ``t`` raises ``KeyError`` when strict mode is on (environment variable
``ZI_I18N_STRICT=1``; the test suite turns it on). Otherwise it falls back to the
default language and then to the key itself, so a page never crashes on a label that a
colleague has not translated yet; ``missing_keys()`` finds those gaps.
"""

from __future__ import annotations

import json
import logging
import os
from functools import cache
from pathlib import Path

DEFAULT_LANGUAGE = "id"
STRICT_ENV = "ZI_I18N_STRICT"

_DIR = Path(__file__).resolve().parent
_log = logging.getLogger(__name__)


def available_languages() -> list[str]:
    """Language codes with a catalogue, the default first (e.g. ``["id", "en"]``)."""
    codes = sorted(p.stem for p in _DIR.glob("*.json"))
    if DEFAULT_LANGUAGE in codes:
        codes.remove(DEFAULT_LANGUAGE)
        codes.insert(0, DEFAULT_LANGUAGE)
    return codes


@cache
def _load(lang: str) -> dict[str, str]:
    path = _DIR / f"{lang}.json"
    if not path.is_file():
        raise ValueError(f"unknown language {lang!r}; available: {', '.join(available_languages())}")
    with path.open(encoding="utf-8") as f:
        data = json.load(f)
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise ValueError(f"{path.name}: a catalogue must be a flat JSON object of strings")
    return data


def catalogue(lang: str = DEFAULT_LANGUAGE) -> dict[str, str]:
    """A copy of one language's catalogue (key -> template)."""
    return dict(_load(lang))


def reload() -> None:
    """Forget the cached catalogues (after editing the JSON files in a running process)."""
    _load.cache_clear()


def _strict() -> bool:
    return os.environ.get(STRICT_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def t(key: str, lang: str = DEFAULT_LANGUAGE, **kwargs: object) -> str:
    """The text for ``key`` in ``lang``, with ``{placeholders}`` filled from ``kwargs``.

    Raises ``ValueError`` for an unknown language, ``KeyError`` for a missing key in
    strict mode (see the module docstring) or for a placeholder not given in ``kwargs``.
    """
    entries = _load(lang)
    template = entries.get(key)
    if template is None:
        if _strict():
            raise KeyError(f"i18n key {key!r} missing in {lang}.json")
        _log.warning("i18n key %r missing in %s.json", key, lang)
        template = _load(DEFAULT_LANGUAGE).get(key, key)
    return template.format(**kwargs)


def missing_keys() -> dict[str, set[str]]:
    """For each language, the keys another catalogue has and this one lacks (empty sets when in sync)."""
    langs = available_languages()
    keys = {lang: set(_load(lang)) for lang in langs}
    every = set().union(*keys.values()) if keys else set()
    return {lang: every - keys[lang] for lang in langs}


__all__ = [
    "DEFAULT_LANGUAGE",
    "available_languages",
    "catalogue",
    "missing_keys",
    "reload",
    "t",
]
