"""The GDPR's own terms in each language, as the official translations of the Regulation
(EU) 2016/679 and of Decision (EU) 2021/915 word them, and the variants that are not the law's.

Translators and editors of the demo texts use the official term; tests/test_glossary.py fails when
a catalogue, a template or the demo uses a listed wrong variant. Each wrong variant is a regular
expression (case-insensitive, matched on word boundaries) so that it finds every inflected form.
"""

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    english: str  # the term in the English text of the Regulation or the Clauses
    official: str  # the term in this language's official text
    source: str  # where the official text uses it
    wrong: tuple = ()  # variants that are not the law's term (regular expressions)


GLOSSARY = {
    "pl": [
        Term(
            "data protection officer",
            "inspektor ochrony danych",
            "RODO art. 37–39",
            (r"inspektor\w* ochrony danych osobowych",),
        ),
        Term(
            "legitimate interests",
            "prawnie uzasadnione interesy",
            "RODO art. 6 ust. 1 lit. f",
            (r"dobrze pojęt\w* interes\w*", r"uzasadnion\w* interes\w* handlow\w*"),
        ),
        Term(
            "special categories of personal data",
            "szczególne kategorie danych osobowych",
            "RODO art. 9",
            (r"dan\w* wrażliw\w*",),
        ),
        Term("third party", "strona trzecia", "RODO art. 4 pkt 10", (r"podmiot\w* trzeci\w*",)),
        Term(
            "processor",
            "podmiot przetwarzający",
            "RODO art. 4 pkt 8",
            (r"procesor\w*", r"przetwarzając\w* dan\w* podmiot\w*"),
        ),
        Term(
            "sub-processor",
            "dalszy podmiot przetwarzający",
            "decyzja (UE) 2021/915, klauzula 7.7",
            (r"podprocesor\w*", r"subprocesor\w*", r"podprzetwarzając\w*"),
        ),
        Term(
            "contract with the processor (Art. 28(3))",
            "umowa powierzenia przetwarzania danych osobowych",
            "RODO art. 28 ust. 3",
            (r"umow\w* o przetwarzani\w* danych",),
        ),
        Term("controller", "administrator", "RODO art. 4 pkt 7", (r"kontroler\w*",)),
        Term(
            "supervisory authority",
            "organ nadzorczy",
            "RODO art. 51",
            (r"organ\w* kontroln\w* ochrony danych",),
        ),
    ],
    "cs": [
        Term(
            "data protection officer",
            "pověřenec pro ochranu osobních údajů",
            "GDPR čl. 37–39",
            (r"inspektor\w* ochrany (osobních )?údajů", r"úředník\w* pro ochranu"),
        ),
        Term(
            "legitimate interests",
            "oprávněné zájmy",
            "GDPR čl. 6 odst. 1 písm. f)",
            (r"legitimní\w* zájm\w*", r"legitimní\w* zájem"),
        ),
        Term(
            "special categories of personal data",
            "zvláštní kategorie osobních údajů",
            "GDPR čl. 9",
            (r"citliv\w* (osobní\w* )?údaj\w*",),
        ),
        Term(
            "sub-processor",
            "další zpracovatel",
            "rozhodnutí (EU) 2021/915, doložka 7.7",
            (r"subzpracovatel\w*", r"podzpracovatel\w*"),
        ),
        Term("controller", "správce", "GDPR čl. 4 bod 7", (r"kontrolor\w*",)),
        Term("third party", "třetí strana", "GDPR čl. 4 bod 10", (r"třetí\w* osob\w*",)),
    ],
    "de": [
        Term(
            "special categories of personal data",
            "besondere Kategorien personenbezogener Daten",
            "DSGVO Art. 9",
            (r"sensible\w* Daten",),
        ),
        Term(
            "processor",
            "Auftragsverarbeiter",
            "DSGVO Art. 4 Nr. 8",
            (r"Auftragsdatenverarbeit\w*",),
        ),
        Term(
            "sub-processor",
            "Unterauftragsverarbeiter",
            "Beschluss (EU) 2021/915, Klausel 7.7",
            (r"Sub-?Auftragsverarbeiter\w*", r"Subunternehmer\w*", r"Unterverarbeiter\w*"),
        ),
        Term(
            "controller",
            "Verantwortlicher",
            "DSGVO Art. 4 Nr. 7",
            (r"verantwortlich\w* Stelle\w*", r"Datenverantwortlich\w*"),
        ),
        Term(
            "legitimate interests",
            "berechtigte Interessen",
            "DSGVO Art. 6 Abs. 1 lit. f",
            (r"legitim\w* Interesse\w*",),
        ),
        Term("third party", "Dritter", "DSGVO Art. 4 Nr. 10", (r"Drittpartei\w*",)),
    ],
}

# Msgids quoting the Clauses' own headings, translated as the official texts of Decision (EU)
# 2021/915 word them even where that wording is not the Regulation's term (the Czech and German
# Annex II item 3 says "citlivé údaje", "sensible Daten"): Clause 2 forbids rewording the Clauses.
OFFICIAL_QUOTES = {
    "Sensitive data processed (if applicable) and applied restrictions or safeguards",
}

# Informal address: contracts and documents address the reader formally (or impersonally).
INFORMAL_ADDRESS = {
    "pl": r"twój|twoj\w*|twoją|ciebie|\bcię\b|\btobie\b|możesz|\bmasz\b|\bjesteś\b",
    "cs": r"tvůj|tvoj\w*|tvá|tvé|tvého|tvému|tvým|tebe|tobě",
    "de": r"\bdu\b|\bdein\w*|\bdich\b|\bdir\b",
}


def wrong_variants(language, text):
    """[(wrong text found, the official term)] in `text` of `language`."""

    found = []
    for term in GLOSSARY.get(language, []):
        for pattern in term.wrong:
            for match in re.finditer(rf"(?<!\w){pattern}(?!\w)", text, re.IGNORECASE):
                found.append((match.group(0), term.official))
    return found
