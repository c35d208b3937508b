"""The organisation's logo and accent colour on the public pages and in the documents.

An uploaded logo is decoded by Pillow only if it is a PNG, JPEG or WebP of sensible size (an
SVG could carry script; a small file can declare a huge image), then drawn again as a PNG of
at most LOGO_BOX pixels: what is kept and served is our own encoding, without the upload's
metadata or anything hidden after its image data. It is stored once per content
(BrandImage, named by its SHA-256) and served from our own origin at /brand/<sha256>.png; the
documents embed the same bytes, so rendering fetches nothing. The accent colour is #RRGGBB,
checked by the model; pages take it from a stylesheet of ours (/brand/accent/<rrggbb>.css),
since their Content-Security-Policy allows no inline style.
"""

import base64
import hashlib
import io
import re
import warnings

from django.conf import settings
from django.utils.translation import gettext
from PIL import Image, ImageOps, UnidentifiedImageError

from compliance.models import BrandImage

FORMATS = {"PNG", "JPEG", "WEBP"}
# The largest image decoded (width × height), whatever the file's size.
MAX_PIXELS = 25_000_000
# The logo is drawn again within this box (width, height).
LOGO_BOX = (800, 240)
ACCENT = re.compile(r"#?([0-9a-fA-F]{6})")


class LogoRefused(ValueError):
    """An upload that is not a logo we keep; the message says why."""


def prepare_logo(upload):
    """The BrandImage of an uploaded file (made if new), or LogoRefused."""
    limit = settings.BRAND_LOGO_MAX_BYTES
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise LogoRefused(gettext("The logo is larger than %(size)d KB.") % {"size": limit // 1024})
    png, width, height = redraw(data)
    digest = hashlib.sha256(png).hexdigest()
    image = BrandImage.objects.filter(sha256=digest).first()
    if image is None:
        image = BrandImage.objects.create(sha256=digest, content=png, width=width, height=height)
    return image


def redraw(data):
    """(PNG bytes, width, height) of the image in `data`, drawn again within LOGO_BOX."""
    kinds = "PNG, JPEG, WebP"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format not in FORMATS:
                    raise LogoRefused(
                        gettext("A logo must be a %(kinds)s image, not %(kind)s.")
                        % {"kinds": kinds, "kind": image.format}
                    )
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise LogoRefused(
                        gettext("The image is %(width)d × %(height)d pixels: too large for a logo.")
                        % {"width": width, "height": height}
                    )
                image.load()
                drawn = ImageOps.exif_transpose(image).convert("RGBA")
    except LogoRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow refuses before we can: the file declares far more pixels than it holds.
        message = gettext("The image declares too many pixels: too large for a logo.")
        raise LogoRefused(message) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise LogoRefused(
            gettext("The file is not a %(kinds)s image that can be read.") % {"kinds": kinds}
        ) from None
    drawn.thumbnail(LOGO_BOX)
    out = io.BytesIO()
    drawn.save(out, format="PNG", optimize=True)
    return out.getvalue(), drawn.width, drawn.height


def accent_hex(value):
    """The six hex digits of a #RRGGBB colour (lower case), or "" for anything else."""
    match = ACCENT.fullmatch(value or "")
    return match[1].lower() if match else ""


def accent_css(hex_digits):
    """The stylesheet that gives the pages their accent colour."""
    return f":root {{ --accent: #{hex_digits}; }}\n"


def logo_path(sha256):
    return f"/brand/{sha256}.png" if re.fullmatch(r"[0-9a-f]{64}", sha256 or "") else ""


def accent_path(colour):
    digits = accent_hex(colour)
    return f"/brand/accent/{digits}.css" if digits else ""


def presented(organisation):
    """What pages and documents need of a snapshot's organisation to show its branding."""
    sha256 = organisation.get("logo", "")
    digits = accent_hex(organisation.get("accent_colour"))
    return {
        "logo": sha256,
        "logo_url": logo_path(sha256),
        "accent_colour": f"#{digits}" if digits else "",
        "accent_css_url": accent_path(digits),
    }


def logo_data_uri(sha256):
    """The logo as a data: URI for the documents (their renderer fetches nothing), or ""."""
    image = BrandImage.objects.filter(sha256=sha256).only("content").first() if sha256 else None
    if image is None:
        return ""
    return "data:image/png;base64," + base64.b64encode(bytes(image.content)).decode("ascii")
