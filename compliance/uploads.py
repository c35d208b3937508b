"""Uploads larger than an import may be are refused while they arrive, not after.

Django reads a whole multipart upload (into memory, then a temporary file) before any view
runs, and does not limit its size. This handler comes first: a request announcing more than
IMPORT_MAX_BYTES (plus room for the form around the file) is cut off at once, and a file that
grows past the limit while arriving is stopped; the request then carries the reason for the
view to show (`upload_refused`).
"""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.utils.translation import gettext

# The form fields and multipart headers around the file.
MULTIPART_ALLOWANCE = 64 * 1024


def refusal(size):
    return gettext("The file is %(size)s bytes; the limit is %(limit)s bytes.") % {
        "size": f"{size:,}",
        "limit": f"{settings.IMPORT_MAX_BYTES:,}",
    }


class LimitedUploadHandler(FileUploadHandler):
    announced = 0

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        # Fields before the file (the CSRF token) are still read; the file itself is not.
        self.announced = content_length

    def receive_data_chunk(self, raw_data, start):
        received = start + len(raw_data)
        if self.announced > settings.IMPORT_MAX_BYTES + MULTIPART_ALLOWANCE:
            self.request.upload_refused = refusal(self.announced)
            raise StopUpload(connection_reset=True)
        if received > settings.IMPORT_MAX_BYTES:
            self.request.upload_refused = refusal(received)
            raise StopUpload(connection_reset=True)
        return raw_data  # on to the next handler, which keeps the file

    def file_complete(self, file_size):
        return None
