"""A course in a third-party iframe over https, in real Chromium: the learner's work survives a reload.

The app is served over TLS on https://127.0.0.1:<port> (a certificate for it from a throwaway trustme CA) and a blog
post embeds it from https://localhost:<other port>: another site to Chromium (another registrable domain), so the
frame's requests are `Sec-Fetch-Site: cross-site` and third-party cookie rules apply. The learner cookie is set
`Secure; SameSite=None; Partitioned` (CHIPS); with it, a reload keeps the typed code (saved on the server,
views/drafts.py) and the completed step, and the creator's analytics count one learner. (Without `Partitioned`
this Chromium refuses the cookie in the frame, so every reload would be a new learner.) The second test makes
the frame's localStorage throw, as a browser that blocks third-party storage does: nothing is lost either.
"""

from __future__ import annotations

import base64
import hashlib
import re
import ssl
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import trustme
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import connections
from django.test import Client
from django.test.testcases import LiveServerThread, QuietWSGIRequestHandler
from django.urls import reverse
from playwright.sync_api import Browser, BrowserContext, Page, Response, expect, sync_playwright

from playlists.analytics import playlist_analytics
from playlists.models import LearnerDraft, LearnerEvent, LearnerProgress, Playlist
from playlists.services import playlist_create
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, static_site
from tests.browser.test_learner_workspace import CORRECT, editor_of, graded, type_code

MY_NOTES = CORRECT + "# sorted() copies the list: fine for a short one\n"
# What a browser that blocks third-party storage does to a cross-site frame's localStorage.
THROWING_LOCAL_STORAGE = """
Object.defineProperty(window, "localStorage", {
  configurable: true,
  get: function () { throw new DOMException("Access is denied for this document.", "SecurityError"); },
});
"""
HOST_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>A blog post</title></head>
<body><h1>My blog post about Python</h1>
<iframe id="course-frame" src="{src}" title="Python course" width="100%" height="700" style="border:0"></iframe>
<script src="{script}" async></script>
</body></html>
"""


# --- TLS: a CA of our own, the app and the blog post on two loopback sites --------------------------------------


@dataclass(frozen=True)
class Tls:
    server_context: ssl.SSLContext
    spki_hash: str  # what Chromium's --ignore-certificate-errors-spki-list takes: the certificate is then trusted


@pytest.fixture(scope="module")
def tls(tmp_path_factory) -> Tls:
    ca = trustme.CA()
    certificate = ca.issue_cert("127.0.0.1", "localhost")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate.configure_cert(context)
    leaf = x509.load_pem_x509_certificate(certificate.cert_chain_pems[0].bytes())
    spki = leaf.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return Tls(server_context=context, spki_hash=base64.b64encode(hashlib.sha256(spki).digest()).decode())


@pytest.fixture(scope="module")
def browser(tls: Tls) -> Iterator[Browser]:
    """Chromium that trusts our certificate as a real one (secure cookies and CHIPS behave as on a real site)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (make sysdeps)")
    args = [*CHROMIUM_ARGS, f"--ignore-certificate-errors-spki-list={tls.spki_hash}"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=args, headless=True)
        yield browser
        browser.close()


class _HttpsRequestHandler(QuietWSGIRequestHandler):
    def setup(self) -> None:
        # The TLS handshake in this connection's own thread, so one slow client stalls nobody else.
        self.request.do_handshake()
        super().setup()

    def get_environ(self) -> dict:
        environ = super().get_environ()
        environ["HTTPS"] = "on"  # wsgiref's url_scheme comes from it: request.is_secure() is True
        return environ


class _HttpsLiveServerThread(LiveServerThread):
    def __init__(self, *args, ssl_context: ssl.SSLContext, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.ssl_context = ssl_context

    def _create_server(self, connections_override=None) -> ThreadedWSGIServer:  # noqa: ANN001 (Django's signature)
        server = ThreadedWSGIServer(
            (self.host, self.port), _HttpsRequestHandler, allow_reuse_address=False, connections_override=connections_override
        )
        server.socket = self.ssl_context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
        return server


@pytest.fixture
def https_app(tls: Tls, settings) -> Iterator[str]:
    """The app over https on 127.0.0.1, as pytest-django's live_server serves it over http (shared in-memory SQLite)."""
    shared = {conn.alias: conn for conn in connections.all() if conn.vendor == "sqlite" and conn.is_in_memory_db()}
    thread = _HttpsLiveServerThread("127.0.0.1", StaticFilesHandler, connections_override=shared, ssl_context=tls.server_context)
    thread.daemon = True
    for conn in shared.values():
        conn.inc_thread_sharing()
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    url = f"https://127.0.0.1:{thread.port}"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "127.0.0.1"]
    settings.SITE_URL = url
    yield url
    thread.terminate()
    for conn in shared.values():
        conn.dec_thread_sharing()


@pytest.fixture
def blog(tls: Tls) -> Iterator[tuple[dict[str, str], str]]:
    """A static https site on localhost: (its pages by path, its origin)."""
    pages: dict[str, str] = {}
    with static_site(pages, tls=tls.server_context) as server:
        yield pages, f"https://localhost:{server.server_address[1]}"


@pytest.fixture
def context(browser: Browser, https_app: str, blog) -> Iterator[BrowserContext]:
    """Closed before the servers stop, so no keep-alive connection is still being served when they do."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    context.set_default_timeout(15_000)
    yield context
    context.close()


# --- The walk ------------------------------------------------------------------------------------------------------


def embed_in_blog(blog, https_app: str, playlist: Playlist) -> str:
    pages, origin = blog
    src = https_app + reverse("playlists:embed_playlist", args=[playlist.pk]) + "?step=1"
    pages["/post.html"] = HOST_PAGE.format(src=src, script=https_app + reverse("playlists:embed_script"))
    return f"{origin}/post.html"


def course_of(owner, make_capsule) -> Playlist:
    code = make_capsule(owner, "CODE", status="published", is_public=True, title="Find the largest number")
    database = make_capsule(owner, "DATABASE", status="published", is_public=True, title="Customers from Berlin")
    return playlist_create(
        creator=owner, title="Practice", is_public=True, items=[{"capsule_id": str(code.pk)}, {"capsule_id": str(database.pk)}]
    )


def response_to(page: Page, path_end: str, *, body_with: str = ""):
    def wanted(response: Response) -> bool:
        sent = response.request.post_data or ""
        return re.search(rf"{path_end}(\?|$)", response.url) is not None and response.ok and body_with in sent

    return page.expect_response(wanted)


def solve_step_one_and_keep_typing(page: Page) -> None:
    """Submit the right code (the judge completes step 1), then type on; wait until the draft is on the server."""
    frame = page.frame_locator("#course-frame")
    expect(editor_of(frame)).to_contain_text("def find_largest(numbers):")
    type_code(page, frame, CORRECT)
    with graded(page):
        frame.get_by_role("button", name="Submit").click()
    expect(frame.locator("#ws-results")).to_contain_text("Step 1 of 2 is complete.")
    with response_to(page, "/steps/1/draft", body_with="copies the list"):  # not the draft that Submit saved
        type_code(page, frame, MY_NOTES)


def reload_and_see_everything_kept(page: Page) -> None:
    with response_to(page, "/events"), response_to(page, "/state") as state:
        page.reload()
    cookie_sent = state.value.request.all_headers().get("cookie", "")
    assert "cc_learner=" in cookie_sent  # the partitioned cookie came back inside the same blog
    assert "set-cookie" not in state.value.all_headers()  # the same learner: no new key
    frame = page.frame_locator("#course-frame")
    expect(frame.locator(".dots li").nth(0).locator("a")).to_have_class(re.compile(r"\bdot--completed\b"))
    expect(frame.locator("textarea[name='code']")).to_have_value(MY_NOTES)
    expect(editor_of(frame)).to_contain_text("# sorted() copies the list")


def assert_one_learner(playlist: Playlist, owner) -> None:
    assert LearnerEvent.objects.values("learner_key").distinct().count() == 1
    analytics = playlist_analytics(playlist)
    assert analytics.learners == 1 and analytics.steps[0].completed == 1
    client = Client()
    client.force_login(owner)
    page = client.get(reverse("playlists:analytics", args=[playlist.pk])).content.decode()
    assert re.search(r"<dt>Learners</dt><dd>1<", page)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_over_https_a_reload_in_a_third_party_iframe_keeps_typed_code_and_completed_steps(
    context: BrowserContext, https_app, blog, owner, make_capsule
):
    playlist = course_of(owner, make_capsule)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    with (
        page.expect_request(lambda request: "/embed/playlist/" in request.url and request.resource_type == "document") as frame_load,
        response_to(page, "/events"),
        response_to(page, "/state") as state,
    ):
        page.goto(embed_in_blog(blog, https_app, playlist))
    assert frame_load.value.all_headers()["sec-fetch-site"] == "cross-site"
    set_cookie = state.value.all_headers()["set-cookie"]
    assert set_cookie.startswith("cc_learner=")
    for attribute in ("Secure", "SameSite=None", "Partitioned", "HttpOnly"):
        assert re.search(rf";\s*{attribute}(;|$)", set_cookie, re.IGNORECASE), (attribute, set_cookie)
    jar = [cookie for cookie in context.cookies(https_app) if cookie["name"] == "cc_learner"]
    assert len(jar) == 1 and jar[0]["secure"] and jar[0]["sameSite"] == "None"
    assert jar[0]["partitionKey"] == "https://localhost"  # kept in the blog's own jar (CHIPS), not a shared one

    solve_step_one_and_keep_typing(page)
    key = LearnerProgress.objects.get(playlist=playlist).learner_key
    assert LearnerDraft.objects.get(learner_key=key).code == MY_NOTES

    reload_and_see_everything_kept(page)
    reload_and_see_everything_kept(page)
    assert_one_learner(playlist, owner)
    assert errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_when_the_frames_local_storage_throws_the_cookie_and_the_server_keep_everything(
    context: BrowserContext, https_app, blog, owner, make_capsule
):
    context.add_init_script(THROWING_LOCAL_STORAGE)  # in every frame, the cross-site iframe too
    playlist = course_of(owner, make_capsule)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    with response_to(page, "/events"):
        page.goto(embed_in_blog(blog, https_app, playlist))
    frame = next(frame for frame in page.frames if "/embed/playlist/" in frame.url)
    assert frame.evaluate("() => { try { window.localStorage; return 'kept'; } catch (error) { return error.name; } }") == "SecurityError"

    solve_step_one_and_keep_typing(page)
    reload_and_see_everything_kept(page)
    assert_one_learner(playlist, owner)
    assert errors == []
