"""Home languages a family or guardian can have.

Codes are ISO 639 (two letters where one exists). The list holds the home
languages most common in Dutch schools and childcare; "other" covers the rest,
and the family's contact notes can say which.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Language(models.TextChoices):
    DUTCH = "nl", _("Dutch")
    ENGLISH = "en", _("English")
    ARABIC = "ar", _("Arabic")
    TURKISH = "tr", _("Turkish")
    POLISH = "pl", _("Polish")
    UKRAINIAN = "uk", _("Ukrainian")
    TIGRINYA = "ti", _("Tigrinya")
    BERBER = "ber", _("Berber (Tamazight)")
    PAPIAMENTU = "pap", _("Papiamentu")
    SOMALI = "so", _("Somali")
    PERSIAN = "fa", _("Persian (Farsi/Dari)")
    SPANISH = "es", _("Spanish")
    PORTUGUESE = "pt", _("Portuguese")
    ROMANIAN = "ro", _("Romanian")
    BULGARIAN = "bg", _("Bulgarian")
    RUSSIAN = "ru", _("Russian")
    CHINESE = "zh", _("Chinese")
    FRENCH = "fr", _("French")
    GERMAN = "de", _("German")
    OTHER = "other", _("Other language")

    @classmethod
    def from_text(cls, text: str) -> Language | None:
        """Match a code or a Dutch/English language name as a roster export writes it."""
        wanted = text.strip().casefold()
        if not wanted:
            return None
        for language in cls:
            if wanted == language.value:
                return language
        return _NAMES.get(wanted)


# Names as school administration systems write them, in Dutch and English.
_NAMES: dict[str, Language] = {
    "nederlands": Language.DUTCH,
    "dutch": Language.DUTCH,
    "engels": Language.ENGLISH,
    "english": Language.ENGLISH,
    "arabisch": Language.ARABIC,
    "arabic": Language.ARABIC,
    "turks": Language.TURKISH,
    "turkish": Language.TURKISH,
    "pools": Language.POLISH,
    "polish": Language.POLISH,
    "oekraïens": Language.UKRAINIAN,
    "oekraiens": Language.UKRAINIAN,
    "ukrainian": Language.UKRAINIAN,
    "tigrinya": Language.TIGRINYA,
    "tigrinia": Language.TIGRINYA,
    "berbers": Language.BERBER,
    "tamazight": Language.BERBER,
    "berber": Language.BERBER,
    "papiaments": Language.PAPIAMENTU,
    "papiamentu": Language.PAPIAMENTU,
    "somalisch": Language.SOMALI,
    "somali": Language.SOMALI,
    "perzisch": Language.PERSIAN,
    "farsi": Language.PERSIAN,
    "dari": Language.PERSIAN,
    "persian": Language.PERSIAN,
    "spaans": Language.SPANISH,
    "spanish": Language.SPANISH,
    "portugees": Language.PORTUGUESE,
    "portuguese": Language.PORTUGUESE,
    "roemeens": Language.ROMANIAN,
    "romanian": Language.ROMANIAN,
    "bulgaars": Language.BULGARIAN,
    "bulgarian": Language.BULGARIAN,
    "russisch": Language.RUSSIAN,
    "russian": Language.RUSSIAN,
    "chinees": Language.CHINESE,
    "chinese": Language.CHINESE,
    "frans": Language.FRENCH,
    "french": Language.FRENCH,
    "duits": Language.GERMAN,
    "german": Language.GERMAN,
    "anders": Language.OTHER,
    "other": Language.OTHER,
}
