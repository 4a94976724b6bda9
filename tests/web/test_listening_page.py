"""The listening page in a real browser against `pdf2audiobook serve`: sign in, a book
uploaded, read, played while it is read, downloaded, cancelled and refused, with an
accessibility check of every screen."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import av
import httpx
import pytest
from playwright.sync_api import Browser, Page, Route, expect, sync_playwright

from tests.conftest import SAMPLE_BOOK, corpus_file
from tests.service.auth.token_factory import rs256_token
from tests.service.payments.conftest import (
    CHECKOUT_URL_BASE,
    CREDIT_PACK_CENTS,
    CREDIT_PACK_PRICE,
    FAKE_API_KEY,
)
from tests.service.payments.fake_paddle.process import running_fake_paddle
from tests.web.browser import CHROMIUM, DESKTOP, check_screen
from tests.web.served import PageServer, page_server

READER = "reader@example.com"
BOOK_SECONDS = 90_000
"""Milliseconds the sample book may take from upload to its finished audiobook."""
READ_SECONDS = 30_000
"""Milliseconds the server may take to read a file for its estimate (in its sandbox, on a
machine shared with other work)."""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PageServer]:
    """The page's server, selling the credit pack through a fake Paddle."""
    folder = tmp_path_factory.mktemp("page")
    with (
        running_fake_paddle(
            api_key=FAKE_API_KEY,
            prices={CREDIT_PACK_PRICE: CREDIT_PACK_CENTS},
            checkout_url_base=CHECKOUT_URL_BASE,
            log_path=folder / "paddle.log",
        ) as paddle,
        page_server(
            folder, {"paddle_api_key": FAKE_API_KEY, "paddle_api_url": paddle.url}
        ) as running,
    ):
        running.put_on_sale("pack-1000", CREDIT_PACK_PRICE)
        yield running


@pytest.fixture(scope="module")
def token(server: PageServer) -> str:
    return server.create_token(READER)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, server: PageServer) -> Iterator[Page]:
    context = browser.new_context(viewport=DESKTOP, accept_downloads=True, base_url=server.url)
    opened = context.new_page()
    script_errors: list[str] = []
    opened.on("pageerror", lambda error: script_errors.append(str(error)))
    yield opened
    context.close()
    assert script_errors == []


def sign_in(page: Page, token: str) -> None:
    page.goto("/")
    page.get_by_label("Personal API token").fill(token)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.locator("#who")).to_have_text(READER)


def submit_sample(server: PageServer, token: str) -> str:
    with SAMPLE_BOOK.open("rb") as handle:
        response = httpx.post(
            f"{server.url}/api/v1/jobs",
            headers={"Authorization": f"Bearer {token}"},
            files={"file": ("sample-book.pdf", handle, "application/pdf")},
            data={"provider": "tone"},
            timeout=30,
        )
    assert response.status_code == 201, response.text
    job_id: str = response.json()["id"]
    return job_id


def audio_playing(page: Page, chapter: int) -> None:
    """Wait until the player's audio element plays `chapter`: it knows its duration and
    its position has moved."""
    page.wait_for_function(
        """(chapter) => {
            const audio = document.getElementById("player-audio");
            return audio.dataset.chapter === String(chapter) && audio.duration > 0
                && audio.currentTime > 0.3 && !audio.paused;
        }""",
        arg=chapter,
        timeout=20_000,
    )


def m4b_chapter_titles(path: Path) -> list[str]:
    with av.open(str(path)) as container:
        return [str(chapter["metadata"]["title"]) for chapter in container.chapters()]


def test_a_wrong_token_is_refused_and_a_right_one_signs_in_and_out(page: Page, token: str) -> None:
    page.goto("/")
    check_screen(page, "sign-in")

    # By keyboard alone: the skip link first, then the page's own links, then the form.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Personal API token")).to_be_focused()
    page.keyboard.type("p2a_not-a-real-token")
    page.keyboard.press("Enter")
    expect(page.locator("#token-error")).to_contain_text("That token was not accepted")

    sign_in(page, token)
    assert page.evaluate("() => sessionStorage.length") == 1
    page.get_by_role("button", name="Sign out").click()

    expect(page.get_by_role("heading", name="Sign in to listen")).to_be_visible()
    assert page.evaluate("() => sessionStorage.length") == 0


def test_a_book_is_played_while_it_is_read_then_downloaded_with_its_chapters(
    page: Page, token: str, tmp_path: Path
) -> None:
    sign_in(page, token)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="New book").click()
    page.get_by_label("Voice provider").select_option("tone")
    page.locator("#file-input").set_input_files(SAMPLE_BOOK)
    estimate = page.locator("#estimate-facts")
    expect(estimate).to_contain_text(
        re.compile(r"Listening time\s*about \d+ min"), timeout=READ_SECONDS
    )
    expect(estimate).to_contain_text(re.compile(r"Characters\s*\d{1,3}(,\d{3})+"))
    check_screen(page, "upload")

    page.get_by_role("button", name="Make the audiobook").click()
    # Progress moves: a share of the book read, neither none of it nor all.
    expect(page.locator("#progress-percent")).to_have_text(
        re.compile(r"^[1-9]\d?%$"), timeout=BOOK_SECONDS
    )
    first = page.get_by_role("button", name=re.compile(r"^Play chapter 1, "))
    expect(first).to_be_enabled(timeout=BOOK_SECONDS)
    # Chapter 1 can be played while the book is still being read.
    expect(page.locator("#book-status")).to_have_text("Reading", timeout=1_000)
    third = page.get_by_role("button", name=re.compile(r"^chapter 3, .* not ready yet$"))
    expect(third).to_be_disabled(timeout=1_000)
    first.click()
    audio_playing(page, 1)
    check_screen(page, "progress")

    download = page.get_by_role("button", name="Download the book (M4B)")
    expect(download).to_be_visible(timeout=BOOK_SECONDS)
    expect(page.locator("#book-status")).to_have_text("Ready")
    check_screen(page, "player")

    page.locator("#main").focus()
    page.keyboard.press("]")
    page.keyboard.press("]")
    expect(page.locator("#player-chapter")).to_contain_text("3 of 3")
    audio_playing(page, 3)
    page.keyboard.press("k")
    page.reload()
    expect(page.locator("#player-chapter")).to_contain_text("3 of 3")

    with page.expect_download() as downloading:
        download.click()
    saved = tmp_path / downloading.value.suggested_filename
    downloading.value.save_as(saved)
    assert saved.suffix == ".m4b"
    assert m4b_chapter_titles(saved) == page.locator(".chapter-title").all_text_contents()

    page.get_by_text("What was left out").click()
    expect(page.locator("#removed-list li").first).to_contain_text(re.compile(r"^Page \d+"))


def test_a_book_waiting_its_turn_is_cancelled_from_the_library(
    page: Page, server: PageServer, token: str
) -> None:
    reading = submit_sample(server, token)
    waiting = submit_sample(server, token)
    sign_in(page, token)
    row = page.locator(f'li[data-job="{waiting}"]')

    row.get_by_role("button", name=re.compile("^Cancel ")).click()

    expect(row.locator(".pill")).to_have_text("Cancelled")
    check_screen(page, "library")
    # The worker is left free for the next test; a book already finished answers 409.
    stopped = httpx.post(
        f"{server.url}/api/v1/jobs/{reading}/cancel",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert stopped.status_code in (200, 409), stopped.text


def drop_file(page: Page, path: Path) -> None:
    """Drop `path` on the upload area as a file dragged from the desktop arrives."""
    dragged = page.evaluate_handle(
        """([name, bytes]) => {
            const transfer = new DataTransfer();
            transfer.items.add(new File([new Uint8Array(bytes)], name));
            return transfer;
        }""",
        [path.name, list(path.read_bytes())],
    )
    page.dispatch_event("#dropzone", "drop", {"dataTransfer": dragged})


def test_a_dropped_file_that_is_not_a_pdf_is_refused_in_a_sentence(page: Page, token: str) -> None:
    sign_in(page, token)
    page.goto("/#/new")
    drop_file(page, corpus_file(18))
    expect(page.locator("#file-title")).to_contain_text("18-not-a-pdf.pdf")

    refusal = page.locator("#estimate .field-error")
    expect(refusal).to_be_visible(timeout=READ_SECONDS)
    page.get_by_role("button", name="Make the audiobook").click()

    notice = page.locator("#notice-text")
    expect(notice).to_be_visible(timeout=READ_SECONDS)
    check_screen(page, "refused")
    for message in (refusal.inner_text(), notice.inner_text()):
        assert re.match(r"^[A-Z][^{}\[\]]+\.$", message), message


def test_buying_credits_opens_the_payment_providers_checkout(page: Page, token: str) -> None:
    # The provider's page is not on this machine: the browser is answered in its place.
    page.route(
        f"{CHECKOUT_URL_BASE}**",
        lambda route: route.fulfill(content_type="text/html", body="<title>Checkout</title>"),
    )
    sign_in(page, token)
    expect(page.locator("#wallet-balance")).to_have_text(re.compile(r"^\d+ credits$"))

    page.get_by_role("button", name=re.compile(r"^Buy .*1,000 credits for ")).click()

    page.wait_for_url(f"{CHECKOUT_URL_BASE}**")


def test_progress_events_are_read_however_the_stream_is_cut(page: Page) -> None:
    page.goto("/")
    stream = (
        ": keep-alive\r\n\r\n"
        'id: 1\r\nevent: progress\r\ndata: {"progress": 5}\r\n\r\n'
        'id: 2\nevent: end\ndata: {"status":\ndata: "completed"}\n\n'
    )

    # Fed one character at a time, as the worst network would deliver it.
    events = page.evaluate(
        """async (text) => {
            const { parseEventStream } = await import("/static/js/events.js");
            const seen = [];
            const feed = parseEventStream((event) => seen.push(event));
            for (const character of text) feed(character);
            return seen;
        }""",
        stream,
    )

    assert events == [
        {"type": "progress", "id": "1", "data": {"progress": 5}},
        {"type": "end", "id": "2", "data": {"status": "completed"}},
    ]


@pytest.mark.parametrize(
    ("status", "error", "detail", "retry_after", "words"),
    [
        (402, "PaymentRequired", "You need 40 more credits", None, "You need 40 more credits."),
        (413, "PayloadTooLarge", "The upload is over 100 MB.", None, "too large"),
        (415, "UnsupportedMediaType", "It is a JPEG image.", None, "It is a JPEG image."),
        (429, "TooManyActiveJobs", "At most 10.", None, "Wait for one to finish"),
        (429, "TooManyRequests", "Slow down.", 30, "Try again in 30 seconds."),
        (503, "ServiceUnavailable", "Queue down.", None, "Try again in a moment."),
    ],
)
def test_an_api_error_reads_as_a_sentence_with_what_only_the_server_knows(
    page: Page,
    status: int,
    error: str,
    detail: str,
    retry_after: int | None,
    words: str,
) -> None:
    page.goto("/")

    sentence = page.evaluate(
        """async ([status, error, detail, retryAfter]) => {
            const { ApiError, describeError } = await import("/static/js/errors.js");
            return describeError(new ApiError(status, error, detail, retryAfter));
        }""",
        [status, error, detail, retry_after],
    )

    assert words in sentence
    assert re.match(r"^[A-Z][^{}]+\.$", sentence), sentence


CLERK_FRONTEND_API = "https://clerk.example.com"
CLERK_SIGN_IN = "https://accounts.example.com/sign-in"


def test_signing_in_through_clerk_uses_its_session_tokens_and_ends_its_session(
    browser: Browser, server: PageServer
) -> None:
    # Clerk is not on this machine: its Account Portal and Frontend API are answered in
    # the browser, and this server is told Clerk signs people in. The server checks the
    # session tokens with its test key, which is the one they are signed with here. The
    # page's policy for Clerk's origin is checked without a browser (test_page_serving).
    context = browser.new_context(viewport=DESKTOP, base_url=server.url, bypass_csp=True)
    page = context.new_page()
    clerk_calls: list[str] = []
    cors = {
        "Access-Control-Allow-Origin": server.url,
        "Access-Control-Allow-Credentials": "true",
    }

    def config(route: Route) -> None:
        answer = route.fetch()
        route.fulfill(
            response=answer,
            json={
                **answer.json(),
                "clerk": {"frontend_api": CLERK_FRONTEND_API, "sign_in_url": CLERK_SIGN_IN},
            },
        )

    def account_portal(route: Route) -> None:
        back = httpx.URL(route.request.url).params["redirect_url"]
        route.fulfill(status=302, headers={"Location": back})

    def frontend_api(route: Route) -> None:
        path = httpx.URL(route.request.url).path
        clerk_calls.append(f"{route.request.method} {path}")
        body: dict[str, object]
        if path == "/v1/client":
            body = {"response": {"last_active_session_id": "sess_web"}}
        elif path.endswith("/tokens"):
            email = "listener@example.com"
            body = {"object": "token", "jwt": rs256_token(server.key, kid=None, email=email)}
        else:
            body = {"response": {"id": "sess_web", "status": "ended"}}
        route.fulfill(json=body, headers=cors)

    page.route("**/api/v1/config", config)
    page.route(f"{CLERK_SIGN_IN}**", account_portal)
    page.route(f"{CLERK_FRONTEND_API}/**", frontend_api)
    page.goto("/")

    page.get_by_role("link", name="Sign in with your account").click()

    expect(page.locator("#who")).to_have_text("listener@example.com")
    assert "POST /v1/client/sessions/sess_web/tokens" in clerk_calls
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in to listen")).to_be_visible()
    assert clerk_calls[-1] == "POST /v1/client/sessions/sess_web/end"
    context.close()
