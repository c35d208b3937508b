"""Which addresses a scan may visit, and which hosts count as the site's own (first party).

A scan visits only the registered site's host (and the resources its pages load, from anywhere
public). Addresses that resolve to private, loopback, link-local or otherwise reserved networks
are refused unless SCANNER_ALLOW_PRIVATE_ADDRESSES is set (the tests scan a site on loopback):
an editor must not be able to make the server's browser read the internal network. refusal()
is asked before a scan starts; during it, proxy.py checks every connection the browser makes.
"""

import ipaddress
import socket
from urllib.parse import urljoin, urlsplit

from django.utils.translation import gettext

SCHEMES = ("http", "https")


def host_of(url):
    return (urlsplit(url).hostname or "").lower().rstrip(".")


def parse_page_list(base_url, pages_text):
    """The absolute addresses of the pages to visit: the home page, then each line of
    `pages_text` (an address or a path). Raises ValueError naming the line that is not a page
    of the site."""
    home = urlsplit(base_url)
    pages = [base_url]
    for number, line in enumerate((pages_text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        url = urljoin(base_url, line)
        parts = urlsplit(url)
        if parts.scheme not in SCHEMES or host_of(url) != host_of(base_url):
            raise ValueError(
                gettext("Line %(number)d (%(line)s) is not a page of %(host)s.")
                % {"number": number, "line": line, "host": home.hostname}
            )
        if url not in pages:
            pages.append(url)
    return pages


def registrable_domain(host):
    """The domain a host belongs to, approximately: its last two labels (shop.example.com ->
    example.com). Without the public suffix list, example.co.uk counts as co.uk's: the scanner
    then calls more hosts first-party, never fewer."""
    labels = host.split(".")
    try:
        ipaddress.ip_address(host)
        return host  # an address is its own domain
    except ValueError:
        pass
    return ".".join(labels[-2:]) if len(labels) >= 2 else host


def is_first_party(domain, site_host):
    """Whether a cookie domain (".example.com" or "example.com") or a host belongs to the site."""
    domain = domain.lower().lstrip(".")
    return bool(domain) and registrable_domain(domain) == registrable_domain(site_host)


def is_public_ip(address):
    ip = ipaddress.ip_address(address)
    return ip.is_global and not ip.is_multicast


def scheme_refusal(url):
    """Why `url` must not be fetched whatever its address: only http(s) (and what a page makes
    itself: data:, blob:, about:) are."""
    scheme = urlsplit(url).scheme
    if scheme in SCHEMES or scheme in ("data", "blob", "about"):
        return None
    return gettext("%(url)s: only http and https are fetched.") % {"url": url[:200]}


def refusal(url, allow_private):
    """Why the browser must not fetch `url` (a translated sentence), or None when it may."""
    parts = urlsplit(url)
    reason = scheme_refusal(url)
    if reason or allow_private or parts.scheme not in SCHEMES:
        return reason
    host = host_of(url)
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, parts.port or 443)}
    except (OSError, UnicodeError):
        return gettext("%(host)s: the name does not resolve.") % {"host": host}
    return address_refusal(host, addresses)


def address_refusal(host, addresses):
    """Why `host` must not be reached, given the addresses it resolves to: any one of them
    private or reserved is enough (a browser may try them in any order)."""
    for address in addresses:
        if not is_public_ip(address.split("%")[0]):
            return gettext(
                "%(host)s resolves to %(address)s, a private or reserved address: refused."
            ) % {"host": host, "address": address}
    return None
