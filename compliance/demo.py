"""The demo register: the seed vendor's public GDPR page (shared/seeds/smartsupp-gdpr-pl.txt).

The Polish texts are the seed's own; English, Czech and German are our translations of them.
Everything is written by natural key with update_or_create, so loading twice changes nothing.
"""

import reversion
from django.db import transaction

from compliance.models import (
    Contact,
    ContactRole,
    Cookie,
    DataCategory,
    DataElement,
    DataSubjectCategory,
    LegalBasis,
    MeasureHeading,
    Organisation,
    PolicyClause,
    ProcessingFrequency,
    ProcessingLocation,
    Processor,
    ProcessorStatus,
    Purpose,
    StorageItem,
    StorageType,
    SubprocessorAuthorisation,
    TechnicalMeasure,
    TrackingCategory,
    TransferSafeguard,
)
from compliance.retention import RetentionKind, RetentionUnit

LANGUAGES = ("en", "pl", "cs", "de")


def tr(field, en, pl, cs, de):
    """The four language columns of one translated field."""
    return {f"{field}_{code}": text for code, text in zip(LANGUAGES, (en, pl, cs, de), strict=True)}


def texts(**fields):
    """Several translated fields at once: texts(name=(en, pl, cs, de), ...)."""
    values = {}
    for field, translations in fields.items():
        values.update(tr(field, *translations))
    return values


ORGANISATION = {
    "legal_name": "Smartsupp.com, s.r.o.",
    "registration_number": "036 68 681",
    "address": "Šumavská 31\n602 00 Brno",
    "country": "CZ",
    "website": "https://www.smartsupp.com/",
    "processing_frequency": ProcessingFrequency.CONTINUOUS,
    # The seed says nothing of the options of the Clauses: these are the model's defaults (the
    # notices and objections the product sends are those of Option 2).
    "subprocessor_authorisation": SubprocessorAuthorisation.GENERAL,
    "subprocessor_notice_days": 30,
    "docking_clause": False,
    **texts(
        # What the seed states: data of visitors of customers' websites is processed by
        # Smartsupp "w ramach świadczenia usług" (in providing the service), through the chat
        # window, stored within the EU, shown among the visitor information in the dashboard.
        processing_subject_matter=(
            "Personal data of visitors of the customer's website, processed by Smartsupp in "
            "providing its chat service to the customer.",
            "Dane osobowe osób odwiedzających stronę internetową klienta, przetwarzane przez "
            "Smartsupp w ramach świadczenia klientowi usługi czatu.",
            "Osobní údaje návštěvníků webových stránek zákazníka, které Smartsupp zpracovává "
            "při poskytování služby chatu zákazníkovi.",
            "Personenbezogene Daten der Besucher der Website des Kunden, die Smartsupp bei der "
            "Erbringung seines Chat-Dienstes für den Kunden verarbeitet.",
        ),
        processing_nature=(
            "Collection through the chat window and the visitor's browser, storage within the "
            "European Union, and display to the customer among the visitor information in the "
            "Smartsupp dashboard; video recordings of visits only with the advanced features.",
            "Zbieranie za pośrednictwem okna czatu i przeglądarki odwiedzającego, "
            "przechowywanie w obrębie Unii Europejskiej oraz udostępnianie klientowi wśród "
            "informacji o odwiedzających w pulpicie nawigacyjnym Smartsupp; nagrania wideo "
            "wizyt tylko przy funkcjach zaawansowanych.",
            "Shromažďování prostřednictvím okna chatu a prohlížeče návštěvníka, ukládání v "
            "rámci Evropské unie a zobrazování zákazníkovi mezi informacemi o návštěvnících v "
            "ovládacím panelu Smartsupp; videozáznamy návštěv jen u pokročilých funkcí.",
            "Erhebung über das Chatfenster und den Browser des Besuchers, Speicherung innerhalb "
            "der Europäischen Union und Anzeige für den Kunden unter den Besucherinformationen "
            "im Smartsupp-Dashboard; Videoaufzeichnungen von Besuchen nur bei den erweiterten "
            "Funktionen.",
        ),
        processing_duration=(
            "For as long as Smartsupp provides the service to the customer.",
            "Przez okres świadczenia usługi klientowi przez Smartsupp.",
            "Po dobu, po kterou Smartsupp poskytuje zákazníkovi službu.",
            "Für die Dauer, in der Smartsupp dem Kunden den Dienst erbringt.",
        ),
        controllers_description=(
            "Each customer that uses the Smartsupp chat on its website; Smartsupp concludes a "
            "data-processing agreement with every customer.",
            "Każdy klient korzystający z czatu Smartsupp na swojej stronie internetowej; "
            "Smartsupp zawiera umowę powierzenia przetwarzania danych osobowych z każdym "
            "klientem.",
            "Každý zákazník, který používá chat Smartsupp na svých webových stránkách; "
            "Smartsupp uzavírá smlouvu o zpracování osobních údajů s každým zákazníkem.",
            "Jeder Kunde, der den Smartsupp-Chat auf seiner Website nutzt; Smartsupp schließt "
            "mit jedem Kunden einen Auftragsverarbeitungsvertrag.",
        ),
        # Smartsupp is established in Brno: the Czech authority is the competent one.
        supervisory_authority=(
            "Office for Personal Data Protection (Úřad pro ochranu osobních údajů), Prague",
            "Urząd Ochrony Danych Osobowych Republiki Czeskiej (Úřad pro ochranu osobních "
            "údajů), Praga",
            "Úřad pro ochranu osobních údajů, Praha",
            "Amt für den Schutz personenbezogener Daten (Úřad pro ochranu osobních údajů), Prag",
        ),
        data_location=(
            "Within the European Union",
            "W obrębie Unii Europejskiej",
            "V rámci Evropské unie",
            "Innerhalb der Europäischen Union",
        ),
        privacy_by_default=(
            "By default, Smartsupp does not store IP addresses or other data that needs "
            "special protection. A customer can change these settings in its profile.",
            "W ustawieniach domyślnych Smartsupp nie przechowuje adresów IP ani innych danych "
            "wymagających szczególnej ochrony. Klient może zmienić te ustawienia w swoim "
            "profilu.",
            "Ve výchozím nastavení Smartsupp neukládá IP adresy ani jiné údaje vyžadující "
            "zvláštní ochranu. Zákazník může toto nastavení změnit ve svém profilu.",
            "Standardmäßig speichert Smartsupp keine IP-Adressen und keine anderen besonders "
            "schutzbedürftigen Daten. Der Kunde kann diese Einstellungen in seinem Profil "
            "ändern.",
        ),
    ),
}

DPO = {
    "name": "mgr Petra Stupková",
    "phone": "",
    "postal_address": "",
    "published": True,
    **texts(
        title=(
            "Data protection officer",
            "Inspektor ochrony danych",
            "Pověřenec pro ochranu osobních údajů",
            "Datenschutzbeauftragte",
        )
    ),
}

VISITORS = texts(
    name=(
        "Visitors of the customer's website",
        "Osoby odwiedzające stronę internetową klienta",
        "Návštěvníci webových stránek zákazníka",
        "Besucher der Website des Kunden",
    ),
    description=(
        "People who visit a website that uses Smartsupp, including those who write in the chat "
        "window.",
        "Osoby odwiedzające stronę internetową korzystającą ze Smartsupp, w tym osoby "
        "piszące w oknie czatu.",
        "Osoby, které navštíví web používající Smartsupp, včetně těch, které píší v okně chatu.",
        "Personen, die eine Website mit Smartsupp besuchen, einschließlich derer, die im "
        "Chatfenster schreiben.",
    ),
)

CONTACT_DATA = {
    "fields": texts(
        name=("Contact data", "Dane kontaktowe", "Kontaktní údaje", "Kontaktdaten"),
        source=(
            "Entered by the visitor in the chat window.",
            "Podane przez klientów w oknie czatu.",
            "Zadané návštěvníkem v okně chatu.",
            "Vom Besucher im Chatfenster eingegeben.",
        ),
    ),
    "elements": [
        ("first-name", ("First name", "Imię", "Jméno", "Vorname")),
        ("last-name", ("Last name", "Nazwisko", "Příjmení", "Nachname")),
        ("email", ("E-mail address", "Adres e-mail", "E-mailová adresa", "E-Mail-Adresse")),
        ("phone", ("Phone number", "Numer telefonu", "Telefonní číslo", "Telefonnummer")),
        (
            "social-media",
            (
                "Social media contact details",
                "Dane kontaktowe kont na portalach społecznościowych",
                "Kontakty na sociálních sítích",
                "Kontaktdaten in sozialen Netzwerken",
            ),
        ),
    ],
}

VISIT_DATA = {
    "fields": texts(
        name=(
            "Details of the website visit",
            "Szczegóły dotyczące odwiedzania strony internetowej",
            "Údaje o návštěvě webových stránek",
            "Angaben zum Besuch der Website",
        ),
        source=(
            "Collected automatically from the visitor's browser.",
            "Zbierane automatycznie z przeglądarki odwiedzającego.",
            "Shromažďováno automaticky z prohlížeče návštěvníka.",
            "Automatisch aus dem Browser des Besuchers erhoben.",
        ),
    ),
    "elements": [
        (
            "urls",
            (
                "URLs of the pages visited",
                "Adresy URL odwiedzanych stron",
                "URL adresy navštívených stránek",
                "URLs der besuchten Seiten",
            ),
        ),
        (
            "visit-time",
            (
                "Date and time of the visit",
                "Data oraz godzina wizyty",
                "Datum a čas návštěvy",
                "Datum und Uhrzeit des Besuchs",
            ),
        ),
        (
            "technical",
            (
                "Technical information (screen resolution, device type, browser type, "
                "operating system)",
                "Informacje techniczne (np. rozdzielczość ekranu, typ urządzenia, typ "
                "przeglądarki czy też system operacyjny)",
                "Technické informace (rozlišení obrazovky, typ zařízení, typ prohlížeče, "
                "operační systém)",
                "Technische Informationen (Bildschirmauflösung, Gerätetyp, Browsertyp, "
                "Betriebssystem)",
            ),
        ),
        (
            "ip-address",
            (
                "The visitor's IP address",
                "Adres IP odwiedzającego",
                "IP adresa návštěvníka",
                "IP-Adresse des Besuchers",
            ),
        ),
        (
            "geolocation",
            (
                "Geolocation data (country and city of the visitor)",
                "Dane geolokalizacyjne (kraj i miasto, w którym znajdował się odwiedzający)",
                "Geolokační údaje (země a město návštěvníka)",
                "Geolokalisierungsdaten (Land und Stadt des Besuchers)",
            ),
        ),
    ],
}

BASIC_CHAT = {
    "legal_basis": LegalBasis.LEGITIMATE_INTERESTS,
    "consent_required": False,
    "position": 1,
    **texts(
        name=(
            "Basic chat",
            "Podstawowa wersja czatu",
            "Základní chat",
            "Einfacher Chat",
        ),
        description=(
            "Using only the basic chatbot, without the advanced features: answering customers' "
            "questions and supporting them. Customers' consent is not needed.",
            "Korzystanie tylko z czatbota w jego podstawowym wydaniu, bez zaawansowanych "
            "funkcji: odpowiadanie na pytania klientów i ich wsparcie. Zgoda klientów nie jest "
            "konieczna.",
            "Používání pouze základního chatbota bez pokročilých funkcí: odpovídání na dotazy "
            "zákazníků a jejich podpora. Souhlas zákazníků není potřeba.",
            "Nutzung nur des einfachen Chatbots ohne die erweiterten Funktionen: Beantwortung "
            "von Kundenanfragen und Unterstützung. Die Einwilligung der Kunden ist nicht nötig.",
        ),
        legitimate_interest=(
            "Answering customers' enquiries and providing them with support.",
            "Odpowiadanie na zapytania klientów i zapewnianie im wsparcia.",
            "Odpovídání na dotazy zákazníků a poskytování podpory.",
            "Beantwortung von Kundenanfragen und Bereitstellung von Unterstützung.",
        ),
    ),
}

ADVANCED_FEATURES = {
    "legal_basis": LegalBasis.CONSENT,
    "consent_required": True,
    "position": 2,
    **texts(
        name=(
            "Advanced marketing and analytics features",
            "Zaawansowane funkcje marketingowe i analityczne",
            "Pokročilé marketingové a analytické funkce",
            "Erweiterte Marketing- und Analysefunktionen",
        ),
        description=(
            "Advanced marketing and analytics features need customers' consent. We recommend "
            "obtaining it with a cookie bar in which the user consents to analytics and/or "
            "marketing cookies (e.g. with an \u201cAllow all\u201d option).",
            "Zaawansowane funkcje marketingowe i analityczne wymagają zgody klientów. "
            "Polecamy uzyskanie jej za pomocą paska plików cookie, w którym użytkownik wyraża "
            "zgodę na analityczne i/lub marketingowe pliki cookie (np. poprzez opcję "
            "\u201eZezwól na wszystko\u201d).",
            "Pokročilé marketingové a analytické funkce vyžadují souhlas zákazníků. Doporučujeme "
            "jej získat pomocí cookie lišty, ve které uživatel souhlasí s analytickými a/nebo "
            "marketingovými cookies (např. volbou \u201ePovolit vše\u201c).",
            "Erweiterte Marketing- und Analysefunktionen erfordern die Einwilligung der Kunden. "
            "Wir empfehlen, sie über ein Cookie-Banner einzuholen, in dem der Nutzer in "
            "Analyse- und/oder Marketing-Cookies einwilligt (z. B. mit \u201eAlle zulassen\u201c).",
        ),
    ),
}

SMARTLOOK = {
    "country": "CZ",
    "status": ProcessorStatus.ACTIVE,
    "transfer_safeguard": TransferSafeguard.EEA,
    **texts(
        processing_description=(
            "Analytics tool that records visits to pages using Smartlook in order to analyse "
            "behaviour on the website.",
            "Narzędzie analityczne używane w celu analizy zachowania na stronie korzystającej "
            "z Smartlook.",
            "Analytický nástroj, který zaznamenává návštěvy stránek používajících Smartlook za "
            "účelem analýzy chování na webu.",
            "Analysewerkzeug, das Besuche auf Seiten mit Smartlook aufzeichnet, um das Verhalten "
            "auf der Website zu analysieren.",
        ),
        responsibilities=(
            "Video recordings of visits and their analytics; no other part of the chat service.",
            "Nagrania wideo wizyt i ich analityka; żadna inna część usługi czatu.",
            "Videozáznamy návštěv a jejich analýza; žádná jiná část služby chatu.",
            "Videoaufzeichnungen von Besuchen und deren Analyse; kein anderer Teil des "
            "Chat-Dienstes.",
        ),
    ),
}

# The same text serves all three Smartlook cookies in the seed.
SMARTLOOK_DESCRIPTION = (
    "A cookie stored when a website using Smartlook is visited. Used by the analytics tool to "
    "analyse behaviour on the website. It allows individual visitors' visits to be linked "
    "anonymously, so that the website's operators can see how visitors use the website.",
    "Plik cookie zapisywany w związku z odwiedzinami na stronie korzystającej z Smartlook. "
    "Używany przez narzędzie analityczne w celu analizy zachowania na stronie. Pozwala to na "
    "anonimowe kojarzenie wizyt poszczególnych odwiedzających. Informacje pozyskane w ten "
    "sposób pozwalają osobom prowadzącym stronę na wgląd w to, w jaki sposób odwiedzający "
    "korzystają ze strony.",
    "Soubor cookie ukládaný při návštěvě webu, který používá Smartlook. Analytický nástroj jej "
    "používá k analýze chování na webu. Umožňuje anonymně propojit návštěvy jednotlivých "
    "návštěvníků, aby provozovatelé webu viděli, jak návštěvníci web používají.",
    "Ein Cookie, das beim Besuch einer Website mit Smartlook gespeichert wird. Das "
    "Analysewerkzeug nutzt es, um das Verhalten auf der Website zu analysieren. Es ermöglicht, "
    "Besuche einzelner Besucher anonym zu verknüpfen, damit die Betreiber sehen, wie Besucher "
    "die Website nutzen.",
)

SIX_MONTHS = {
    "retention_kind": RetentionKind.DURATION,
    "retention_value": 6,
    "retention_unit": RetentionUnit.MONTHS,
}
TWO_YEARS = {
    "retention_kind": RetentionKind.DURATION,
    "retention_value": 2,
    "retention_unit": RetentionUnit.YEARS,
}
PERSISTENT = {
    "retention_kind": RetentionKind.PERSISTENT,
    "retention_value": None,
    "retention_unit": "",
}

NECESSARY = {"category": TrackingCategory.NECESSARY, "consent_required": False}
PREFERENCES = {"category": TrackingCategory.PREFERENCES, "consent_required": False}
STATISTICS = {"category": TrackingCategory.STATISTICS, "consent_required": True}
MARKETING = {"category": TrackingCategory.MARKETING, "consent_required": True}

CHAT_NECESSITY = tr(
    "necessity_justification",
    "The chat the visitor opened cannot keep the conversation across page loads without it.",
    "Bez niego czat otwarty przez odwiedzającego nie zachowa rozmowy po przeładowaniu strony.",
    "Bez něj chat, který návštěvník otevřel, nezachová konverzaci po načtení stránky.",
    "Ohne es kann der vom Besucher geöffnete Chat das Gespräch beim Neuladen der Seite nicht "
    "fortführen.",
)

COOKIES = [
    {
        "name": "ssupp.vid",
        **NECESSARY,
        **SIX_MONTHS,
        **CHAT_NECESSITY,
        **texts(
            purpose=(
                "Identifies the visitor",
                "Identyfikacja osób odwiedzających",
                "Identifikace návštěvníka",
                "Identifiziert den Besucher",
            ),
            description=(
                "Its main purpose is to identify visitors to your website, so that a visitor "
                "can be reconnected to the conversation if the page is loaded or refreshed "
                "during it: the ongoing conversation does not disappear and visitors can "
                "continue where they left off. It also lets us show the source, browser "
                "information and number of visits among the visitor information in the "
                "dashboard.",
                "Głównym celem tego pliku jest identyfikacja osób odwiedzających stronę "
                "internetową klienta. Na tej podstawie możemy odwiedzającego ponownie włączyć "
                "w rozmowę, "
                "jeśli dojdzie do załadowania lub odświeżenia strony w jej trakcie. W rezultacie "
                "trwająca rozmowa nie znika, a odwiedzający mogą kontynuować ją tam, gdzie ją "
                "zakończyli. Ten plik umożliwia nam zatem wyświetlanie źródła, informacji o "
                "przeglądarce i liczbie wizyt, które są przytoczone wśród informacji o "
                "odwiedzających w pulpicie nawigacyjnym.",
                "Jeho hlavním účelem je identifikovat návštěvníky vašeho webu, aby se návštěvník "
                "mohl znovu připojit ke konverzaci, pokud se stránka během ní načte nebo obnoví: "
                "probíhající konverzace nezmizí a návštěvníci mohou pokračovat tam, kde skončili. "
                "Umožňuje nám také zobrazit zdroj, informace o prohlížeči a počet návštěv mezi "
                "informacemi o návštěvníkovi v přehledu.",
                "Sein Hauptzweck ist es, Besucher Ihrer Website zu identifizieren, damit ein "
                "Besucher wieder mit dem Gespräch verbunden werden kann, wenn die Seite "
                "währenddessen geladen oder aktualisiert wird: Das laufende Gespräch "
                "verschwindet nicht und Besucher können dort weitermachen, wo sie aufgehört "
                "haben. Es ermöglicht uns außerdem, Quelle, Browserinformationen und Anzahl "
                "der Besuche in den Besucherinformationen im Dashboard anzuzeigen.",
            ),
        ),
    },
    {
        "name": "ssupp.visits",
        **MARKETING,
        **SIX_MONTHS,
        **texts(
            purpose=(
                "Counts the visitor's visits",
                "Zapisanie liczby wizyt",
                "Počítá návštěvy návštěvníka",
                "Zählt die Besuche des Besuchers",
            ),
            description=(
                "Stores the number of visits made by a visitor, so that Smartsupp can tailor "
                "automatic messages and chatbot content.",
                "Ten plik cookie używany jest w celu zapisania liczby wizyt podjętych przez "
                "danego odwiedzającego. Na tej podstawie można za pomocą Smartsupp skroić na "
                "miarę automatyczne wiadomości i treści czatbota.",
                "Ukládá počet návštěv daného návštěvníka, aby Smartsupp mohl přizpůsobit "
                "automatické zprávy a obsah chatbota.",
                "Speichert die Anzahl der Besuche eines Besuchers, damit Smartsupp automatische "
                "Nachrichten und Chatbot-Inhalte anpassen kann.",
            ),
        ),
    },
    *[
        {
            "name": f"SL_C_<PROJECT_KEY>_{suffix}",
            "provider": "Smartlook.com, s.r.o.",
            "third_party_access": True,
            **STATISTICS,
            **TWO_YEARS,
            **tr("purpose", *purpose),
            **tr("description", *SMARTLOOK_DESCRIPTION),
        }
        for suffix, purpose in [
            ("KEY", ("Project key", "Klucz projektu", "Klíč projektu", "Projektschlüssel")),
            (
                "SID",
                (
                    "Current session ID",
                    "Identyfikator bieżącej sesji",
                    "ID aktuální relace",
                    "ID der aktuellen Sitzung",
                ),
            ),
            (
                "VID",
                ("Visitor ID", "Identyfikator odwiedzającego", "ID návštěvníka", "Besucher-ID"),
            ),
        ]
    ],
]

STORAGE_ITEMS = [
    {
        "name": "_ss.enableSounds",
        **PREFERENCES,
        **PERSISTENT,
        **texts(
            purpose=(
                "Chat sound settings",
                "Ustawienia dźwiękowe czatu",
                "Nastavení zvuků chatu",
                "Toneinstellungen des Chats",
            ),
            description=(
                "Stores the user's preference for the chat window's sound settings.",
                "Zapisuje preferencje użytkowników dotyczące ustawień dźwiękowych okna czatu.",
                "Ukládá preference uživatele týkající se nastavení zvuků okna chatu.",
                "Speichert die Einstellung des Nutzers für die Töne des Chatfensters.",
            ),
        ),
    },
    {
        "name": "ssupp_<CHAT_KEY>",
        **NECESSARY,
        **PERSISTENT,
        **CHAT_NECESSITY,
        **texts(
            purpose=(
                "User and visitor preferences",
                "Preferencje użytkowników i odwiedzających",
                "Preference uživatelů a návštěvníků",
                "Einstellungen von Nutzern und Besuchern",
            ),
            description=(
                "Stores data on users' and visitors' preferences. An automatic notification is "
                "activated when the visitor sends a message.",
                "Zapisuje dane dotyczące preferencji użytkowników i odwiedzających. Automatyczne "
                "powiadomienie zostaje aktywowane, kiedy odwiedzający wysyła wiadomość.",
                "Ukládá údaje o preferencích uživatelů a návštěvníků. Když návštěvník odešle "
                "zprávu, aktivuje se automatické upozornění.",
                "Speichert Daten zu den Einstellungen von Nutzern und Besuchern. Sendet der "
                "Besucher eine Nachricht, wird eine automatische Benachrichtigung aktiviert.",
            ),
        ),
    },
    {
        "name": "ssupp_<CHAT_KEY>message",
        **NECESSARY,
        **PERSISTENT,
        **CHAT_NECESSITY,
        **texts(
            purpose=(
                "Unsent message",
                "Pisana wiadomość",
                "Rozepsaná zpráva",
                "Nicht gesendete Nachricht",
            ),
            description=(
                "Stores the message the visitor is writing in case the page is reloaded, so "
                "that its text does not disappear.",
                "Zapisuje wiadomość pisaną przez odwiedzającego na wypadek przeładowania strony. "
                "Jeśli zatem dojdzie do ponownego załadowania strony, treść wiadomości nie "
                "zniknie.",
                "Ukládá zprávu, kterou návštěvník píše, pro případ opětovného načtení stránky, "
                "aby její text nezmizel.",
                "Speichert die Nachricht, die der Besucher schreibt, für den Fall, dass die "
                "Seite neu geladen wird, damit ihr Text nicht verloren geht.",
            ),
        ),
    },
    {
        "name": "ssupp_<CHAT_KEY>opened",
        **NECESSARY,
        **PERSISTENT,
        **CHAT_NECESSITY,
        **texts(
            purpose=(
                "Chat window open or closed",
                "Stan okna czatu",
                "Okno chatu otevřené nebo zavřené",
                "Chatfenster geöffnet oder geschlossen",
            ),
            description=(
                "Stores whether the chat is open or closed, so that after a reload the chat "
                "window returns to its previous state.",
                "Zapisuje wartość zmiennej czat jako otwarty/zamknięty, tak aby po przeładowaniu "
                "strony okno czatu powróciło do stanu sprzed przeładowania.",
                "Ukládá, zda je chat otevřený, nebo zavřený, aby se okno chatu po opětovném "
                "načtení stránky vrátilo do předchozího stavu.",
                "Speichert, ob der Chat geöffnet oder geschlossen ist, damit das Chatfenster "
                "nach dem Neuladen in seinen vorherigen Zustand zurückkehrt.",
            ),
        ),
    },
    {
        "name": "ssupp_<CHAT_KEY>vid",
        **NECESSARY,
        **PERSISTENT,
        **CHAT_NECESSITY,
        **texts(
            purpose=(
                "Identifies the visitor",
                "Identyfikacja osób odwiedzających",
                "Identifikace návštěvníka",
                "Identifiziert den Besucher",
            ),
            description=(
                "Works in the same way as the ssupp.vid cookie.",
                "Działa w ten sam sposób jak plik cookie ssupp.vid.",
                "Funguje stejně jako soubor cookie ssupp.vid.",
                "Funktioniert genauso wie das Cookie ssupp.vid.",
            ),
        ),
    },
    {
        "name": "ssupp_<CHAT_KEY>",
        **MARKETING,
        **PERSISTENT,
        **texts(
            purpose=(
                "Visitor data and preferences",
                "Dane odwiedzających i ich preferencje",
                "Údaje o návštěvnících a jejich preference",
                "Besucherdaten und -einstellungen",
            ),
            description=(
                "Stores data about visitors and their preferences.",
                "Zapisuje dane związane z odwiedzającymi i ich preferencjami.",
                "Ukládá údaje o návštěvnících a jejich preferencích.",
                "Speichert Daten über Besucher und ihre Einstellungen.",
            ),
        ),
    },
    {
        "name": "ssupp_<CHAT_KEY>visits",
        **MARKETING,
        **PERSISTENT,
        **texts(
            purpose=(
                "Counts the visitor's visits",
                "Zapisanie liczby wizyt",
                "Počítá návštěvy návštěvníka",
                "Zählt die Besuche des Besuchers",
            ),
            description=(
                "Works like the ssupp.visits cookie. It concerns marketing information and "
                "should not be active unless the visitor allows marketing cookies.",
                "Działa podobnie jak plik cookie ssupp.visits. Dotyczy informacji marketingowych "
                "i nie powinien być aktywny, o ile odwiedzający nie zezwoli na zapisywanie "
                "marketingowych plików cookies.",
                "Funguje podobně jako soubor cookie ssupp.visits. Týká se marketingových "
                "informací a neměl by být aktivní, dokud návštěvník nepovolí marketingové "
                "cookies.",
                "Funktioniert wie das Cookie ssupp.visits. Es betrifft Marketinginformationen und "
                "sollte nur aktiv sein, wenn der Besucher Marketing-Cookies zulässt.",
            ),
        ),
    },
]

MEASURES = [
    {
        "slug": "no-ip-addresses-by-default",
        "heading": MeasureHeading.CONFIGURATION,
        "position": 1,
        **tr(
            "description",
            "By default the service does not store visitors' IP addresses or other data that "
            "needs special protection; a customer can change this only in its own profile "
            "settings.",
            "W ustawieniach domyślnych usługa nie przechowuje adresów IP odwiedzających ani "
            "innych danych wymagających szczególnej ochrony; klient może to zmienić wyłącznie "
            "w ustawieniach swojego profilu.",
            "Ve výchozím nastavení služba neukládá IP adresy návštěvníků ani jiné údaje "
            "vyžadující zvláštní ochranu; zákazník to může změnit pouze v nastavení svého "
            "profilu.",
            "Standardmäßig speichert der Dienst keine IP-Adressen der Besucher und keine "
            "anderen besonders schutzbedürftigen Daten; ein Kunde kann dies nur in seinen "
            "Profileinstellungen ändern.",
        ),
    },
    {
        "slug": "appointed-dpo",
        "heading": MeasureHeading.ACCOUNTABILITY,
        "position": 1,
        **tr(
            "description",
            "A data protection officer has been appointed (dpo@smartsupp.com) and is consulted "
            "on every question concerning the GDPR.",
            "W celu zapewnienia odpowiednich standardów pracy z danymi mamy wyznaczonego "
            "inspektora ochrony danych (dpo@smartsupp.com), z którą konsultujemy się "
            "w kwestiach związanych z RODO.",
            "Byl jmenován pověřenec pro ochranu osobních údajů (dpo@smartsupp.com), se kterým "
            "konzultujeme všechny otázky týkající se GDPR.",
            "Eine Datenschutzbeauftragte wurde benannt (dpo@smartsupp.com) und wird in allen "
            "Fragen zur DSGVO hinzugezogen.",
        ),
    },
    {
        "slug": "dpa-with-every-customer",
        "heading": MeasureHeading.ACCOUNTABILITY,
        "position": 2,
        **tr(
            "description",
            "A data-processing agreement is concluded with every customer; it states what kinds "
            "of data are processed and where they are stored.",
            "Ze wszystkimi naszymi klientami zawieramy umowę powierzenia przetwarzania danych "
            "osobowych. Umowa opisuje, jakie rodzaje danych są przetwarzane, a także gdzie są "
            "one przechowywane.",
            "Se všemi zákazníky je uzavřena smlouva o zpracování osobních údajů; uvádí, jaké "
            "druhy údajů se zpracovávají a kde jsou uloženy.",
            "Mit jedem Kunden wird ein Auftragsverarbeitungsvertrag geschlossen; er legt fest, "
            "welche Arten von Daten verarbeitet und wo sie gespeichert werden.",
        ),
    },
]

# The seed: "Informujemy osoby odwiedzające Twoją stronę, że za pośrednictwem okna czatu dochodzi
# do przetwarzania danych osobowych. Pomagamy Ci tym samym wypełnić zobowiązania w tym zakresie."
MEASURES.append(
    {
        "slug": "visitors-informed-in-chat",
        "heading": MeasureHeading.ACCOUNTABILITY,
        "position": 3,
        "assists_controller": True,
        **tr(
            "description",
            "The chat window tells the visitors of the customer's website that personal data "
            "is processed through it, which helps the customer meet its duty to inform them.",
            "Okno czatu informuje osoby odwiedzające stronę internetową klienta, że za jego "
            "pośrednictwem dochodzi do przetwarzania danych osobowych, co pomaga klientowi "
            "wypełnić obowiązek informacyjny wobec nich.",
            "Okno chatu informuje návštěvníky webových stránek zákazníka, že jeho "
            "prostřednictvím dochází ke zpracování osobních údajů, což zákazníkovi pomáhá "
            "splnit informační povinnost vůči nim.",
            "Das Chatfenster teilt den Besuchern der Website des Kunden mit, dass darüber "
            "personenbezogene Daten verarbeitet werden; dies hilft dem Kunden, seine "
            "Informationspflicht ihnen gegenüber zu erfüllen.",
        ),
    }
)

POLICY_CLAUSES = [
    {
        "slug": "processor-entry",
        "position": 1,
        **texts(
            title=(
                "Add Smartsupp to your list of processors",
                "Smartsupp na liście podmiotów przetwarzających",
                "Přidejte Smartsupp do seznamu zpracovatelů",
                "Smartsupp in Ihre Liste der Auftragsverarbeiter aufnehmen",
            ),
            text=(
                "Smartsupp.com, s.r.o., ID No.: 036 68 681, registered office at Šumavská 31, "
                "602 00 Brno",
                "Smartsupp.com, s.r.o., ID No.: 036 68 681, z siedzibą na ul. Šumavská 31, "
                "602 00 w Brnie",
                "Smartsupp.com, s.r.o., IČO: 036 68 681, se sídlem Šumavská 31, 602 00 Brno",
                "Smartsupp.com, s.r.o., ID-Nr.: 036 68 681, mit Sitz in Šumavská 31, 602 00 Brno",
            ),
        ),
    },
    {
        "slug": "customer-care-wording",
        "position": 2,
        **texts(
            title=(
                "Wording for your privacy policy",
                "Sformułowanie do polityki prywatności klienta",
                "Formulace pro vaše zásady ochrany osobních údajů",
                "Formulierung für Ihre Datenschutzerklärung",
            ),
            text=(
                "Providing proper customer care is in our legitimate interest. This requires "
                "processing cookies or other data entered by customers in the chat window. "
                "Personal data in the chat window is processed automatically. Advanced features "
                "are enabled only when customers have consented to them, which also covers the "
                "use of analytics and/or marketing cookies.",
                "Zapewnienie odpowiedniej obsługi klienta jest w naszym prawnie uzasadnionym "
                "interesie. "
                "Wiąże się to z koniecznością przetwarzania plików cookie lub też innych danych "
                "podanych przez klientów w oknie czatu. Dane osobowe w oknie czatu są "
                "przetwarzane automatycznie. Zaawansowane funkcje są włączone tylko wtedy, gdy "
                "klienci na to wyrazili zgodę, co też obejmuje wykorzystanie analitycznych i/lub "
                "marketingowych plików cookie.",
                "Zajištění řádné péče o zákazníky je naším oprávněným zájmem. Vyžaduje to "
                "zpracování souborů cookie nebo jiných údajů, které zákazníci zadají v okně "
                "chatu. Osobní údaje v okně chatu jsou zpracovávány automaticky. Pokročilé "
                "funkce jsou zapnuty pouze tehdy, když k nim zákazníci dali souhlas, což "
                "zahrnuje i použití analytických a/nebo marketingových souborů cookie.",
                "Eine angemessene Kundenbetreuung liegt in unserem berechtigten Interesse. Dazu "
                "ist die Verarbeitung von Cookies oder anderen von Kunden im Chatfenster "
                "eingegebenen Daten erforderlich. Personenbezogene Daten im Chatfenster werden "
                "automatisch verarbeitet. Erweiterte Funktionen sind nur aktiviert, wenn Kunden "
                "eingewilligt haben; dies umfasst auch die Nutzung von Analyse- und/oder "
                "Marketing-Cookies.",
            ),
        ),
    },
]


SMARTLOOK_NAME = "Smartlook.com, s.r.o."


def sync(model, lookup, values):
    """Create or update one row by its natural key; save only when something differs."""
    obj = model._default_manager.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        obj.full_clean()
        obj.save()
        return obj, "created"
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if not changed:
        return obj, "unchanged"
    for name in changed:
        setattr(obj, name, values[name])
    obj.full_clean()
    obj.save()
    return obj, "updated"


class DemoConflict(Exception):
    """The register belongs to another organisation: the demo must not overwrite it."""


def load_demo():
    """Write the demo register; return {"created": n, "updated": n, "unchanged": n}.

    The writes are one revision in the register's history, attributed to the command.
    """
    with transaction.atomic(), reversion.create_revision():
        reversion.set_comment("load_demo")
        return _write_demo()


def _write_demo():
    outcome = {"created": 0, "updated": 0, "unchanged": 0}

    def write(model, lookup, values):
        obj, result = sync(model, lookup, values)
        outcome[result] += 1
        return obj

    def write_by_key(model, item):
        values = dict(item)
        lookup = {name: values.pop(name) for name in model.NATURAL_KEY}
        return write(model, lookup, values)

    def relate(manager, objects):
        if set(manager.all()) != set(objects):
            manager.set(objects)
            outcome["updated"] += 1

    existing = Organisation.objects.exclude(legal_name=ORGANISATION["legal_name"]).first()
    if existing is not None:
        raise DemoConflict(existing.legal_name)
    write_by_key(Organisation, ORGANISATION)
    write_by_key(Contact, {"role": ContactRole.DPO, "email": "dpo@smartsupp.com", **DPO})

    visitors = write(DataSubjectCategory, {"slug": "website-visitors"}, {**VISITORS, "position": 1})
    categories = []
    for position, (slug, data) in enumerate(
        [("contact-data", CONTACT_DATA), ("visit-details", VISIT_DATA)], start=1
    ):
        category = write(DataCategory, {"slug": slug}, {**data["fields"], "position": position})
        for element_position, (element_slug, names) in enumerate(data["elements"], start=1):
            write(
                DataElement,
                {"category": category, "slug": element_slug},
                {**tr("name", *names), "position": element_position},
            )
        categories.append(category)

    purposes = []
    for slug, values in [("basic-chat", BASIC_CHAT), ("advanced-features", ADVANCED_FEATURES)]:
        purpose = write(Purpose, {"slug": slug}, values)
        relate(purpose.data_subject_categories, [visitors])
        relate(purpose.data_categories, categories)
        purposes.append(purpose)

    smartlook = write(Processor, {"name": SMARTLOOK_NAME}, SMARTLOOK)
    write(ProcessingLocation, {"processor": smartlook, "country": "CZ"}, {})
    relate(smartlook.data_categories, [categories[1]])
    relate(smartlook.purposes, [purposes[1]])

    providers = {SMARTLOOK_NAME: smartlook}
    for item in COOKIES:
        write_by_key(
            Cookie, {"domain": "", **item, "provider": providers.get(item.get("provider"))}
        )
    for item in STORAGE_ITEMS:
        defaults = {"domain": "", "storage_type": StorageType.LOCAL_STORAGE}
        write_by_key(
            StorageItem, {**defaults, **item, "provider": providers.get(item.get("provider"))}
        )
    for measure in MEASURES:
        write_by_key(TechnicalMeasure, measure)
    for clause in POLICY_CLAUSES:
        write_by_key(PolicyClause, clause)
    return outcome
