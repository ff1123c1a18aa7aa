"""Languages: gettext catalogs (locale/<lang>/LC_MESSAGES/cxkpi.po) and Babel's locale data for plurals,
numbers and dates, one Translator per language.

Which translator a piece of text is written with is decided per person, never per process: the app
keeps the session's language (from `lang=` in its URL) and binds that session's translator to the
script run with `use()`; the CLI, the digest and the alerts bind the one they were asked for the same
way. `gettext()`/`ngettext()` below read the translator bound to the running context (a ContextVar: each
Streamlit session runs its script in its own thread, and a thread starts with an empty context), so
two people reading in two languages at once never see each other's words. Unbound, text is English.

The catalogs are compiled from the .po files when a language is first used (Babel's read_po/write_mo,
a few milliseconds): there is no build step to forget and no compiled file to fall out of date.
`pybabel extract -F babel.cfg -o locale/cxkpi.pot .` finds the messages (README: Languages).
"""

from __future__ import annotations

import contextlib
import functools
import io
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from babel import Locale
from babel.dates import format_date, get_month_names
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "cxkpi"
DEFAULT_LANGUAGE = "en"
# The languages cxkpi speaks, by their code in `lang=`, with their names as their speakers write them.
LANGUAGES = {"en": "English", "fa": "فارسی", "ru": "Русский"}
# Digits of numbering systems whose digits are not ASCII (Babel gives their symbols, not their digits).
NATIVE_DIGITS = {"arabext": "۰۱۲۳۴۵۶۷۸۹", "arab": "٠١٢٣٤٥٦٧٨٩"}
# Marks that Babel's Persian signs carry (U+200E LEFT-TO-RIGHT MARK before + and −): kept, they keep
# a signed number's sign on its left inside right-to-left text.


@dataclass(frozen=True)
class Translator:
    """One language's messages, plurals, numbers and dates."""

    language: str
    translations: NullTranslations

    @property
    def locale(self) -> Locale:
        return _locale(self.language)

    @property
    def right_to_left(self) -> bool:
        return self.locale.character_order == "right-to-left"

    @property
    def direction(self) -> str:
        """'rtl' or 'ltr', for HTML's dir= and CSS's direction."""
        return "rtl" if self.right_to_left else "ltr"

    def gettext(self, message: str, **values: object) -> str:
        text = self.translations.gettext(message)
        return text.format(**values) if values else text

    def ngettext(self, singular: str, plural: str, n: int, **values: object) -> str:
        """The form for n (Russian has three: 1 ответ, 2 ответа, 5 ответов); `{n}` is n in this
        language's digits."""
        text = self.translations.ngettext(singular, plural, n)
        return text.format(n=self.integer(n), **values)

    # --- numbers -------------------------------------------------------------------------------------------

    @property
    def _numbering(self) -> str:
        return self.locale.default_numbering_system

    def symbol(self, name: str, fallback: str) -> str:
        """A CLDR number symbol of this language ('plusSign', 'percentSign', ...)."""
        return self.locale.number_symbols.get(self._numbering, {}).get(name, fallback)

    def digits(self, text: str) -> str:
        """ASCII digits in this language's own digits (Persian: ۰-۹); other text unchanged."""
        native = NATIVE_DIGITS.get(self._numbering)
        return text.translate(str.maketrans("0123456789", native)) if native else text

    def number(self, value: float, decimals: int = 1, signed: bool = False) -> str:
        """1234.5 -> '1,234.5' / '۱٬۲۳۴٫۵' / '1 234,5'; signed: '+16.7' (zero unsigned)."""
        return _number(self, value, decimals, signed)

    def integer(self, value: int) -> str:
        return self.number(value, 0)

    def percent(self, value: float, decimals: int = 1) -> str:
        """62.5 -> '62.5%' / '۶۲٫۵٪' / '62,5 %': the number is already in percent."""
        pattern = self.locale.percent_formats[None].pattern.split(";")[0]
        number = self.number(value, decimals)
        before, _, after = pattern.partition("#,##0")
        after = after.lstrip("0.#")  # the locale's pattern without its digits: '%' or '\xa0%'
        percent_sign = self.symbol("percentSign", "%")
        return before.replace("%", percent_sign) + number + after.replace("%", percent_sign)

    # --- dates ---------------------------------------------------------------------------------------------

    def day(self, moment: date | datetime) -> str:
        """'1 Jul 2026' / '۱ ژوئیه ۲۰۲۶' / '1 июл. 2026'."""
        return self.digits(format_date(moment, "d MMM y", locale=self.locale))

    def month(self, month: int, year: int) -> str:
        """'Jul 2026' / 'ژوئیه ۲۰۲۶' / 'июль 2026'."""
        names = get_month_names("abbreviated", context="stand-alone", locale=self.locale)
        return self.digits(f"{names[month]} {year}")

    def time(self, moment: datetime) -> str:
        return self.digits(f"{moment:%H:%M}")


# Every new session draws the same numbers again (nine cards, their sparklines' months): Babel's
# formatting, pure for a given language, was most of the time it took to write the cards.
@functools.lru_cache(maxsize=16384, typed=True)
def _number(translator: Translator, value: float, decimals: int, signed: bool) -> str:
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    text = translator.digits(format_decimal(abs(value), format=pattern, locale=translator.locale,
                                            numbering_system="default", decimal_quantization=True))
    if round(value, decimals) < 0:
        return translator.symbol("minusSign", "-") + text
    if signed and round(value, decimals) > 0:
        return translator.symbol("plusSign", "+") + text
    return text


@functools.cache
def _locale(language: str) -> Locale:
    """Babel's locale data, parsed once per language: a card's numbers and dates asked for it over a
    hundred times a card, a quarter of the time it took to write a card (docs/decisions.md)."""
    return Locale.parse(language)


def choose(*candidates: str | None) -> str:
    """The first of the candidates cxkpi speaks ('fa-IR' counts as 'fa'), else English."""
    for candidate in candidates:
        if not candidate:
            continue
        code = candidate.replace("_", "-").split("-")[0].lower()
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE


@functools.cache
def translator(language: str) -> Translator:
    """The translator for a language cxkpi speaks (immutable, so one per language serves every session)."""
    if language not in LANGUAGES:
        raise ValueError(f"language {language!r} is not one of {', '.join(LANGUAGES)}")
    if language == DEFAULT_LANGUAGE:
        return Translator(language, NullTranslations())
    return Translator(language, Translations(io.BytesIO(compiled_catalog(language)), domain=DOMAIN))


def catalog_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def compiled_catalog(language: str) -> bytes:
    """The .po file as a .mo file's bytes (fuzzy entries left out, as msgfmt does)."""
    with catalog_path(language).open("rb") as po:
        catalog = read_po(po, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


_ACTIVE: ContextVar[Translator | None] = ContextVar("cxkpi_translator", default=None)


def active() -> Translator:
    """The translator bound to the running context (use()), English when none is."""
    return _ACTIVE.get() or translator(DEFAULT_LANGUAGE)


def activate(chosen: Translator) -> None:
    """Bind a translator to the rest of this context: the app calls it at the start of each script run."""
    _ACTIVE.set(chosen)


@contextlib.contextmanager
def use(chosen: Translator | str) -> Iterator[Translator]:
    """Write in this language within the block: `with use("fa"): ...`."""
    bound = translator(chosen) if isinstance(chosen, str) else chosen
    token = _ACTIVE.set(bound)
    try:
        yield bound
    finally:
        _ACTIVE.reset(token)


def gettext(message: str, **values: object) -> str:
    """`message` in the bound translator's language, its {fields} filled in."""
    return active().gettext(message, **values)


def ngettext(singular: str, plural: str, n: int, **values: object) -> str:
    return active().ngettext(singular, plural, n, **values)


def written_day(moment: date) -> str:
    """A day inside a sentence of an error: in English as the errors have always written it ('01 Jun
    2026', which tests and scripts match), in other languages as Translator.day writes it."""
    chosen = active()
    return f"{moment:%d %b %Y}" if chosen.language == DEFAULT_LANGUAGE else chosen.day(moment)


def written_number(value: float) -> str:
    """A number inside a sentence of an error: in English as `:g` writes it ('150', '-100', '1e+308'), in
    other languages in their digits and signs, with as many decimals."""
    text = f"{value:g}"
    chosen = active()
    if chosen.language == DEFAULT_LANGUAGE or "e" in text:
        return chosen.digits(text)
    return chosen.number(value, len(text.partition(".")[2]))


def N_(message: str) -> str:  # noqa: N802 (gettext's conventional name for "extract, translate later")
    """Marks a message for extraction where it is defined; it is translated where it is shown."""
    return message


def N_plural(singular: str, plural: str) -> tuple[str, str]:  # noqa: N802 (as N_)
    """N_ for a message with plural forms ('{n} response', '{n} responses'), shown with ngettext(*pair, n)."""
    return singular, plural
