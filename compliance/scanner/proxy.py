"""The scan's own forward proxy: every connection the browser makes goes through it, and it
connects only to addresses a scan may reach.

Checking a request's address before the browser fetches it is not enough: the browser follows
the hops of a redirect by itself (Playwright's routing never sees them), and it resolves the
name again after the check (a name can answer a public address to the check and a private one
to the fetch). The proxy closes both gaps: it resolves each name itself, refuses it when any of
its addresses is private, loopback, link-local or reserved (unless SCANNER_ALLOW_PRIVATE_ADDRESSES
is set), and connects to the very address it checked. The browser uses it for everything,
loopback included.

HTTPS and WebSockets arrive as CONNECT (a tunnel to one host and port); plain HTTP as an
absolute address, forwarded with "Connection: close" both ways, so that the browser never sends
a second request, perhaps for another host, down a connection opened for the first.
"""

import asyncio
import contextlib
import socket
from urllib.parse import urlsplit, urlunsplit

from django.utils.translation import gettext

from compliance.scanner.addresses import address_refusal

HEAD_LIMIT = 64 * 1024  # bytes of a request's or response's head
CONNECT_SECONDS = 30
CHUNK = 64 * 1024
HOP_BY_HOP = ("connection:", "keep-alive:", "proxy-connection:", "proxy-authorization:")


class Refused(Exception):
    def __init__(self, host, reason):
        super().__init__(reason)
        self.host = host


def response_bytes(status, reason):
    return f"HTTP/1.1 {status} {reason}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode()


def without_hop_by_hop(lines):
    """Header lines without the ones that belong to one connection, then "Connection: close"."""
    kept = [line for line in lines if line and not line.lower().startswith(HOP_BY_HOP)]
    return "".join(line + "\r\n" for line in kept) + "Connection: close\r\n\r\n"


async def copy(source, sink):
    try:
        while data := await source.read(CHUNK):
            sink.write(data)
            await sink.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        with contextlib.suppress(Exception):
            sink.close()


class GuardProxy:
    """`async with GuardProxy(allow_private) as proxy:` listens on proxy.port of 127.0.0.1 for
    the time of a scan; proxy.refused maps each refused host to the reason."""

    def __init__(self, allow_private):
        self.allow_private = allow_private
        self.refused = {}
        self.verdicts = {}  # (host, port): (address to connect to, None) or (None, reason)
        self.connections = set()
        self.server = None
        self.port = None

    async def __aenter__(self):
        self.server = await asyncio.start_server(self.serve, "127.0.0.1", 0, limit=HEAD_LIMIT)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc):
        self.server.close()
        for writer in list(self.connections):
            writer.close()
        await self.server.wait_closed()

    async def address_for(self, host, port):
        """The address to connect to for host:port, decided once per scan (a name that
        resolves differently later still gets the address that was checked)."""
        key = (host, port)
        if key not in self.verdicts:
            self.verdicts[key] = await self.resolve(host, port)
        address, reason = self.verdicts[key]
        if reason:
            raise Refused(host, reason)
        return address

    async def resolve(self, host, port):
        if self.allow_private:
            return host, None
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM
            )
        except (OSError, UnicodeError):
            return None, gettext("%(host)s: the name does not resolve.") % {"host": host[:200]}
        addresses = [info[4][0] for info in infos]
        reason = address_refusal(host, addresses)
        return (None, reason) if reason else (addresses[0], None)

    async def serve(self, client_reader, client_writer):
        self.connections.add(client_writer)
        try:
            await self.forward(client_reader, client_writer)
        except Refused as refused:
            self.refused[refused.host] = str(refused)
            with contextlib.suppress(Exception):
                client_writer.write(response_bytes(403, "Forbidden"))
                await client_writer.drain()
        except (ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            with contextlib.suppress(Exception):
                client_writer.write(response_bytes(400, "Bad Request"))
                await client_writer.drain()
        except (ConnectionError, OSError, TimeoutError):
            with contextlib.suppress(Exception):
                client_writer.write(response_bytes(502, "Bad Gateway"))
                await client_writer.drain()
        finally:
            self.connections.discard(client_writer)
            with contextlib.suppress(Exception):
                client_writer.close()

    async def forward(self, client_reader, client_writer):
        head = await client_reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, target, version = lines[0].split(" ", 2)
        if method == "CONNECT":
            host, _colon, port = target.rpartition(":")
            host, port = host.strip("[]").lower(), int(port)
            first_bytes = None
        else:
            parts = urlsplit(target)
            if parts.scheme != "http" or not parts.hostname:
                raise ValueError(target)
            host, port = parts.hostname.lower(), parts.port or 80
            path = urlunsplit(("", "", parts.path or "/", parts.query, ""))
            first_bytes = (f"{method} {path} {version}\r\n" + without_hop_by_hop(lines[1:])).encode(
                "latin-1"
            )
        address = await self.address_for(host, port)
        upstream_reader, upstream_writer = await asyncio.wait_for(
            asyncio.open_connection(address, port, limit=HEAD_LIMIT), CONNECT_SECONDS
        )
        self.connections.add(upstream_writer)
        try:
            if first_bytes is None:
                client_writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
                await client_writer.drain()
            else:
                upstream_writer.write(first_bytes)
                await upstream_writer.drain()
                response_head = await upstream_reader.readuntil(b"\r\n\r\n")
                response_lines = response_head.decode("latin-1").split("\r\n")
                client_writer.write(
                    (response_lines[0] + "\r\n" + without_hop_by_hop(response_lines[1:])).encode(
                        "latin-1"
                    )
                )
                await client_writer.drain()
            await asyncio.gather(
                copy(client_reader, upstream_writer), copy(upstream_reader, client_writer)
            )
        finally:
            self.connections.discard(upstream_writer)
            upstream_writer.close()
