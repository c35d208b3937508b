"""Django's e-mail settings from one EMAIL_URL, as DATABASE_URL does for the database.

    smtp://user:password@mail.example.com:587   STARTTLS (the submission port's usual way)
    smtps://user:password@mail.example.com:465  TLS from the first byte
    smtp://localhost:25?tls=off                 plain, e.g. a local relay
    console://                                  printed on standard output (development)

User and password are percent-decoded (a "@" in a password is written %40). Read by
settings.py before Django is set up: plain Python only.
"""

from urllib.parse import parse_qs, unquote, urlsplit

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
    "dummy": "django.core.mail.backends.dummy.EmailBackend",
}
OFF = {"0", "off", "false", "no"}


class EmailUrlError(ValueError):
    pass


def email_settings(url):
    """{setting: value} for Django from an EMAIL_URL; EmailUrlError says what is wrong."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme in BACKENDS:
        return {"EMAIL_BACKEND": BACKENDS[scheme]}
    if scheme not in ("smtp", "smtps"):
        raise EmailUrlError(
            f"EMAIL_URL: unknown scheme {scheme!r} (smtp, smtps, console, locmem or dummy)."
        )
    if not parts.hostname:
        raise EmailUrlError("EMAIL_URL: no mail server host.")
    try:
        port = parts.port
    except ValueError:
        raise EmailUrlError("EMAIL_URL: the port is not a number.") from None
    options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    implicit_tls = scheme == "smtps"
    starttls = not implicit_tls and options.get("tls", "on").lower() not in OFF
    return {
        "EMAIL_BACKEND": SMTP_BACKEND,
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": port or (465 if implicit_tls else 587 if starttls else 25),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_SSL": implicit_tls,
        "EMAIL_USE_TLS": starttls,
        "EMAIL_TIMEOUT": int(options.get("timeout", "30")),
    }
