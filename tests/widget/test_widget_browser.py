"""The embeddable widget and the chat page in real headless Chromium (Debian ``chromium``, driven by Playwright).

A real policyqa server runs on one port; host pages are served from other ports (other origins): one that the
server's CORS allowlist admits, one that it does not. Set POLICYQA_UPDATE_SCREENSHOTS=1 to rewrite the
screenshots in docs/ from what these tests see.
"""

from __future__ import annotations

import functools
import os
import shutil
import sqlite3
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from app.config import Settings
from app.service import ingest_directory
from tests.conftest import CORPUS, ROOT, running_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError("CI must install Debian's chromium for the widget tests (see .ci/run)")
    pytest.skip("Debian chromium is not installed (apt-get install chromium)", allow_module_level=True)

from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402

XSS = "<img src=x onerror=alert(1)>"
HOSTILE_HOST_PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>某某小学</title>
<style>
  * {{ color: red !important; font-size: 40px !important; }}
  button {{ display: none !important; }}
  body {{ font-family: serif; background: #fafafa; margin: 24px; }}
</style></head><body>
<h1>某某小学 · 招生专栏</h1>
<p>欢迎访问本校网站。<span class="cite" id="host-cite">宿主页面的文字</span></p>
<script src="{api}/widget.js" data-title="教育政策问答" data-color="#0b7a4b"
        data-starters="玉泉区教师缺编多少人？|上海市小学入学需要积分吗？" async></script>
</body></html>
"""
SCREENSHOTS = ROOT / "docs" / "screenshots"


def _serve_dir(directory: Path) -> tuple[ThreadingHTTPServer, str]:
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(directory))
    handler.log_message = lambda *a: None  # type: ignore[method-assign]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """Index (bundled corpus + a document carrying an XSS payload), API server, and two host-page origins."""
    tmp = tmp_path_factory.mktemp("widget")
    corpus = tmp / "corpus"
    shutil.copytree(CORPUS, corpus)
    (corpus / "wuhai_tuoguan.txt").write_text(
        f"乌海市课后托管服务通知\n一、收费标准\n乌海市课后托管服务收费标准为每月200元{XSS}，由学校统一收取。\n", "utf-8"
    )
    index_dir = tmp / "index"
    ingest_directory(Settings(index_dir=index_dir), corpus, progress=False)

    allowed_dir, refused_dir = tmp / "allowed", tmp / "refused"
    allowed_dir.mkdir()
    refused_dir.mkdir()
    allowed, allowed_url = _serve_dir(allowed_dir)
    refused, refused_url = _serve_dir(refused_dir)
    db = tmp / "policyqa.sqlite3"
    env = {"POLICYQA_CORS_ORIGINS": f'["{allowed_url}"]', "POLICYQA_DB_PATH": str(db)}
    with running_server(index_dir, env) as api:
        for directory in (allowed_dir, refused_dir):
            (directory / "index.html").write_text(HOSTILE_HOST_PAGE.format(api=api), "utf-8")
        yield {"api": api, "allowed": allowed_url, "refused": refused_url, "refused_dir": refused_dir, "db": db}
    allowed.shutdown()
    refused.shutdown()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = context.new_page()
    page.errors = []  # type: ignore[attr-defined]
    page.dialogs = []  # type: ignore[attr-defined]
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))  # type: ignore[attr-defined]
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))  # type: ignore[attr-defined]
    yield page
    context.close()


def open_widget(page: Page, url: str) -> None:
    page.goto(url)
    page.locator(".launcher").click()
    expect(page.locator(".panel")).to_be_visible()


def ask(page: Page, question: str) -> None:
    page.locator("textarea").fill(question)
    page.locator("textarea").press("Enter")


def last_answer(page: Page):
    return page.locator(".msg.bot").last


def test_streamed_answer_and_citation_popover(stack: dict, page: Page) -> None:
    open_widget(page, stack["allowed"] + "/index.html")
    with page.expect_response(stack["api"] + "/api/chat") as response_info:
        ask(page, "玉泉区教师缺编多少人？")
    response = response_info.value
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.text().count("event: token") > 2  # the answer arrived in pieces
    answer = last_answer(page)
    expect(answer.locator(".cite")).to_have_count(1)
    expect(answer).to_contain_text("719名")
    cite = answer.locator(".cite").first
    cite.click()
    expect(cite).to_have_attribute("aria-expanded", "true")
    source = answer.locator(".source")
    expect(source).to_be_visible()
    expect(source).to_contain_text("玉泉区教育事业发展“十四五”规划(2021-2025)")
    expect(source).to_contain_text("内蒙古自治区呼和浩特市玉泉区 · 2022-07-04")
    expect(source.locator(".quote")).to_contain_text("教师缺编共计719名")
    cite.click()
    expect(source).to_have_count(0)
    assert page.errors == []  # type: ignore[attr-defined]


def test_refusal_is_shown_as_such(stack: dict, page: Page) -> None:
    open_widget(page, stack["allowed"] + "/index.html")
    page.locator(".starter", has_text="上海市小学入学需要积分吗？").click()
    answer = last_answer(page)
    expect(answer.locator(".badge")).to_have_text("没有找到相关政策")
    expect(answer).to_contain_text("现有政策文件中没有上海市的相关规定")
    expect(answer.locator(".cite")).to_have_count(0)


def test_a_greeting_is_answered_without_a_not_found_badge(stack: dict, page: Page) -> None:
    open_widget(page, stack["allowed"] + "/index.html")
    ask(page, "你好")
    answer = last_answer(page)
    expect(answer).to_contain_text("你好！我可以回答收录的教育政策文件里的问题")
    expect(answer.locator(".badge")).to_have_count(0)


def test_related_answer_is_marked_and_keeps_its_sources(stack: dict, page: Page) -> None:
    open_widget(page, stack["allowed"] + "/index.html")
    ask(page, "玉泉区小学几点上学？")
    answer = last_answer(page)
    expect(answer.locator(".badge.related")).to_have_text("文件未直接回答 · 以下是相关内容")
    expect(answer).to_contain_text("未能确认文件中写明了具体时间。最相关的内容如下")
    expect(answer.locator(".cite").first).to_be_visible()


def test_xss_in_documents_and_questions_renders_inert(stack: dict, page: Page) -> None:
    open_widget(page, stack["allowed"] + "/index.html")
    ask(page, "乌海市课后托管服务收费标准是多少？")
    answer = last_answer(page)
    expect(answer.locator(".cite")).to_have_count(1)
    expect(answer).to_contain_text("每月200元" + XSS)  # shown as text
    answer.locator(".cite").click()
    expect(answer.locator(".passage")).to_contain_text(XSS)
    ask(page, XSS + " 玉泉区教师缺编多少人？")
    expect(page.locator(".msg.user").last).to_have_text(XSS + " 玉泉区教师缺编多少人？")
    expect(last_answer(page).get_by_role("button", name="有帮助")).to_be_visible()  # the answer completed
    assert page.locator("img").count() == 0  # no element was created from the payload, in or out of the shadow root
    assert page.dialogs == []  # type: ignore[attr-defined]


def test_feedback_is_stored(stack: dict, page: Page) -> None:
    open_widget(page, stack["allowed"] + "/index.html")
    ask(page, "玉泉区公办小学一年级能提供多少个学位？")
    answer = last_answer(page)
    expect(answer.locator(".cite")).to_have_count(1)
    answer.get_by_role("button", name="没帮助").click()
    expect(answer.locator(".thanks")).to_have_text("感谢您的反馈")
    expect(answer.get_by_role("button", name="有帮助")).to_be_disabled()
    with sqlite3.connect(stack["db"]) as db:
        rows = db.execute("SELECT question, helpful, refused, answerer, citations FROM conversations").fetchall()
    row = next(r for r in rows if r[0] == "玉泉区公办小学一年级能提供多少个学位？")
    assert row[1:4] == (0, 0, "extractive") and "001_b2c1ccd4563cbf07" in row[4]


def test_refused_origin_fails_cleanly(stack: dict, page: Page) -> None:
    open_widget(page, stack["refused"] + "/index.html")
    ask(page, "玉泉区教师缺编多少人？")
    answer = last_answer(page)
    expect(answer).to_contain_text("无法连接到问答服务")
    expect(answer).to_have_class("msg bot error")
    expect(answer.get_by_role("button", name="重试")).to_be_visible()
    assert page.errors == []  # type: ignore[attr-defined]


def test_styles_do_not_leak_either_way(stack: dict, page: Page) -> None:
    open_widget(page, stack["allowed"] + "/index.html")
    launcher_color = page.locator(".launcher").evaluate("e => getComputedStyle(e).color")
    assert launcher_color == "rgb(255, 255, 255)"  # host's `* {color: red !important}` stays outside
    title_size = page.locator("#pq-title").evaluate("e => getComputedStyle(e).fontSize")
    assert title_size == "16px"
    greeting = page.locator(".msg.bot").first.evaluate("e => [getComputedStyle(e).color, getComputedStyle(e).fontSize]")
    assert greeting == ["rgb(31, 35, 41)", "15px"]  # inherited text is ours, not the host's red 40px
    host_cite = page.locator("#host-cite").evaluate("e => getComputedStyle(e).backgroundColor")
    assert host_cite == "rgba(0, 0, 0, 0)"  # our `.cite` style stays inside


def test_keyboard_and_focus(stack: dict, page: Page) -> None:
    page.goto(stack["allowed"] + "/index.html")
    launcher = page.locator(".launcher")
    expect(launcher).to_have_attribute("aria-label", "打开教育政策问答")
    launcher.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".panel")).to_be_visible()
    active = "() => document.querySelector('[data-policyqa]').shadowRoot.activeElement?.className || ''"
    assert page.evaluate("() => document.querySelector('[data-policyqa]').shadowRoot.activeElement.id") == "pq-input"
    page.keyboard.press("Escape")
    expect(page.locator(".panel")).to_be_hidden()
    assert page.evaluate(active) == "launcher"
    expect(launcher).to_have_attribute("aria-expanded", "false")


def test_conversation_survives_a_reload(stack: dict, page: Page) -> None:
    open_widget(page, stack["allowed"] + "/index.html")
    ask(page, "玉泉区每个年级的小学学位缺多少？")
    expect(last_answer(page).locator(".cite")).to_have_count(1)
    page.reload()
    page.locator(".launcher").click()
    expect(page.locator(".msg.user")).to_have_text(["玉泉区每个年级的小学学位缺多少？"])
    with page.expect_request(stack["api"] + "/api/chat") as request_info:
        ask(page, "那初中呢？")
    sent = request_info.value.post_data_json
    assert [t["role"] for t in sent["history"]] == ["user", "assistant"]
    expect(last_answer(page)).to_contain_text("公办初中只能提供2800个学位")


def test_the_page_runs_under_its_csp_and_cannot_be_framed_by_another_site(stack: dict, page: Page) -> None:
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    response = page.goto(stack["api"] + "/")
    assert response is not None and "frame-ancestors 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    ask(page, "玉泉区教师缺编多少人？")
    expect(last_answer(page).locator(".cite")).to_have_count(1)
    assert not [m for m in console if "Content Security Policy" in m]  # nothing the page needs is blocked
    assert not page.errors  # type: ignore[attr-defined]

    framing = stack["refused"] + "/frame.html"
    Path(stack["refused_dir"], "frame.html").write_text(f'<iframe src="{stack["api"]}/"></iframe>', "utf-8")
    page.goto(framing)
    page.wait_for_timeout(500)
    frame = page.frames[1]
    assert frame.url in ("", "about:blank", "chrome-error://chromewebdata/") or not frame.locator(".panel").count()
    assert any("frame-ancestors" in m or "X-Frame-Options" in m for m in console)


@pytest.mark.parametrize(("name", "viewport"), [("desktop", (1280, 800)), ("phone", (360, 740))])
def test_chat_page_and_screenshots(stack: dict, browser: Browser, name: str, viewport: tuple[int, int]) -> None:
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(stack["api"] + "/")
        expect(page.locator(".launcher")).to_be_hidden()
        expect(page.locator(".panel")).to_be_visible()
        ask(page, "集团化办学覆盖多少所学校？")
        answer = last_answer(page)
        expect(answer.get_by_role("button", name="有帮助")).to_be_visible()
        expect(answer).to_contain_text("昆都仑区：")
        expect(answer).to_contain_text("玉泉区（2022年7月）：")
        answer.locator(".cite").first.click()
        expect(answer.locator(".source")).to_be_visible()
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= viewport[0]  # nothing overflows sideways, even at 360 px
        shot = page.screenshot()
        if os.environ.get("POLICYQA_UPDATE_SCREENSHOTS"):
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            (SCREENSHOTS / f"chat-page-{name}.png").write_bytes(shot)
            page.goto(stack["allowed"] + "/index.html")
            page.locator(".launcher").click()
            ask(page, "玉泉区教师缺编多少人？")
            expect(last_answer(page).locator(".cite")).to_have_count(1)
            last_answer(page).locator(".cite").click()
            (SCREENSHOTS / f"widget-on-host-page-{name}.png").write_bytes(page.screenshot())
    finally:
        context.close()
