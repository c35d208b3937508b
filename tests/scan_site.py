"""A small website on loopback for the scanner's tests, under two host names: 127.0.0.1 is the
site (first party), localhost a tracker (third party). What each page stores is listed in
EXPECTED, which the tests check the scanner finds."""

import http.server
import threading

BANNER = """
<div id="banner">
  <button id="accept">Accept all</button><button id="reject">Reject all</button>
</div>
<script>
  const choose = (answer) => { document.cookie = `consent=${answer}; path=/; max-age=3600`; };
  document.getElementById("accept").onclick = () => choose("yes");
  document.getElementById("reject").onclick = () => choose("no");
</script>
"""

HOME = """<!doctype html><html lang="en"><head><title>Shop</title></head><body>
<h1>Shop</h1>
BANNER
<script>
  localStorage.setItem("fp_local", "x");
  localStorage.setItem("nul\\u0000key", "x");  // a NUL in a name: PostgreSQL refuses it in text
  sessionStorage.setItem("fp_session", "x");
  indexedDB.open("fp_db");
  document.cookie = "marketing_pre=1; path=/; max-age=86400";
  setTimeout(() => { document.cookie = "fp_script=1; path=/; max-age=600"; }, 300);
  if (document.cookie.includes("consent=yes")) {
    document.cookie = "after_accept=1; path=/; max-age=3600";
    document.cookie = "_ga_ABC123=1; path=/; max-age=" + 400 * 86400;
  }
</script>
<iframe src="http://localhost:PORT/frame" title="tracker"></iframe>
<img src="http://localhost:PORT/pixel.gif" alt="">
<a href="/about">About</a>
</body></html>"""

PAGES = {
    "/": HOME,
    "/about": "<!doctype html><html lang='en'><title>About</title><p>About us.</p></html>",
    # A tag loaded late (as a tag manager does), whose own timer stores a key: a request 600 ms
    # after loading, the key 350 ms after it answered (storage is read when the page is).
    "/late-tag": "<!doctype html><html lang='en'><title>Late tag</title><script>"
    "setTimeout(() => fetch('/tag.js').then(() => setTimeout(() => {"
    " localStorage.setItem('late_tag', 'x'); }, 350)), 600);"
    "</script></html>",
    "/tag.js": "// a tag",
    # An image that redirects to the tracker.
    "/redirected": "<!doctype html><html lang='en'><title>Redirected</title>"
    "<img src='/redirect-pixel' alt=''></html>",
    # Reached only through the sitemap.
    "/hidden": "<!doctype html><html lang='en'><title>Hidden</title>"
    "<script>document.cookie = 'hidden_only=1; path=/; max-age=60';</script></html>",
}

PIXEL = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,"
    b"\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def count(self, path):
        hits = self.server.hits
        hits[path] = hits.get(path, 0) + 1

    def send(self, status, body, content_type="text/html; charset=utf-8", cookies=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for cookie in cookies:
            self.send_header("Set-Cookie", cookie)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # noqa: N802 (http.server's name)
        host = self.headers.get("Host", "").split(":")[0]
        port = self.server.server_address[1]
        path = self.path.split("?")[0]
        if host == "localhost":  # the tracker
            if path == "/frame":
                body = (
                    b"<!doctype html><title>frame</title>"
                    b"<script>localStorage.setItem('tp_local', 'x')</script>"
                )
                cookie = "tp_frame=1; Path=/; Max-Age=3600; SameSite=None; Secure"
                return self.send(200, body, cookies=[cookie])
            if path == "/pixel.gif":
                self.count(path)
                cookie = "tp_pixel=1; Path=/; Max-Age=3600; SameSite=None; Secure"
                return self.send(200, PIXEL, "image/gif", cookies=[cookie])
            return self.send(404, b"not found")
        if path == "/sitemap.xml":
            base = f"http://127.0.0.1:{port}"
            body = (
                '<?xml version="1.0" encoding="UTF-8"?>'
                '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                f"<url><loc>{base}/</loc></url><url><loc>{base}/hidden</loc></url>"
                "<url><loc>http://elsewhere.example/</loc></url></urlset>"
            ).encode()
            return self.send(200, body, "application/xml")
        if path == "/redirect-pixel":  # a hop to the tracker, which the browser follows itself
            self.send_response(302)
            self.send_header("Location", f"http://localhost:{port}/pixel.gif")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        if path == "/broken":
            return self.send(500, b"broken")
        # /page/N: as many pages as a benchmark wants, each like the home page.
        page = PAGES.get(path) or (HOME if path.startswith("/page/") else None)
        if page is None:
            return self.send(404, b"not found")
        body = page.replace("BANNER", BANNER).replace("PORT", str(port)).encode()
        cookies = ["fp_header=1; Path=/; Max-Age=3600; HttpOnly"] if path == "/" else []
        return self.send(200, body, cookies=cookies)


class FixtureSite:
    def __init__(self):
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.hits = {}  # path: requests, of the tracker's pixel
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
