"""Every page in a real browser: no console error, no content-security-policy violation, and the
main pages accessible (axe-core) in the normal and the elder-friendly (适老化) mode.

Headless Chromium (Debian's) signs in as every demo role (``seed_demo`` data) and walks the pages
reachable from the navigation and the links on them, like ``tests/test_pages_in_chinese.py`` but
fewer of each shape: the policy is the same on every page of one shape. A CSP violation is
reported twice: by Chromium on the console and by the page's ``securitypolicyviolation`` event.

axe-core is vendored under ``tests/vendor/axe-core`` (served from nowhere: evaluated inside the
page by the test driver, which the page's CSP does not govern). Screenshots of the login page,
the case list and the person page in both modes go to ``var/screenshots/a11y/``.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.management import call_command
from django.db import connection

from accounts.models import User
from demo.management.commands.seed_demo import DEMO_USERS
from tests.cases.conftest import restore_demo_divisions
from tests.cases.test_browser import CHROMIUM, browser, server, session_cookie  # noqa: F401  (fixtures)

ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / "tests" / "vendor" / "axe-core" / "axe.min.js"
SHOTS = ROOT / "var" / "screenshots" / "a11y"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="browser walks run on PostgreSQL only"),
]

MAX_PAGES_PER_ROLE = 22
MAX_PER_SHAPE = 1
SKIP_PREFIXES = ("/accounts/logout", "/admin/", "/api/", "/i18n/", "/static/", "/media/", "/accessibility/")
# Links that answer with a file, not a page (a browser downloads them).
DOWNLOADS = re.compile(r"(\.(csv|xlsx|pdf|json|png|jpe?g)$)|/(export|download|attachments?|pdf|photo)(/|$)")
# Reported by the page itself whenever the browser blocks something under the policy.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline")
    + " in " + e.sourceFile + ":" + e.lineNumber);
});
"""


def shape(path: str) -> str:
    return re.sub(r"/[0-9a-f-]*\d[0-9a-f-]*(?=/|$)", "/<n>", path)


@pytest.fixture
def demo(settings: Any) -> None:
    settings.LAUREL_2FA_EXEMPT_DEMO_USERS = True
    restore_demo_divisions()
    call_command("seed_demo", verbosity=0)


class Watch:
    """Console errors, uncaught script errors and CSP violations of one browser context."""

    def __init__(self, context: Any) -> None:
        self.problems: list[str] = []
        context.add_init_script(CSP_LISTENER)
        context.on("page", self.attach)

    def attach(self, page: Any) -> None:
        page.on("console", lambda message: self.console(page, message))
        page.on("pageerror", lambda error: self.problems.append(f"{page.url}: script error {error}"))

    def console(self, page: Any, message: Any) -> None:
        if message.type != "error":
            return
        # A link that leads to a 403/404 is the breadcrumbs' matter (and seen in the status), not a console error.
        if message.text.startswith("Failed to load resource") and message.location.get("url") == page.url:
            return
        self.problems.append(f"{page.url}: {message.text}")


def crawl(page: Any, base: str) -> list[str]:
    """Visit the pages reachable from the home page; the addresses visited."""
    queue: list[str] = ["/"]
    seen: set[str] = set()
    shapes: Counter[str] = Counter()
    visited: list[str] = []
    while queue and len(visited) < MAX_PAGES_PER_ROLE:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        key = shape(urlsplit(url).path)
        if shapes[key] >= MAX_PER_SHAPE:
            continue
        shapes[key] += 1
        try:
            response = page.goto(base + url, wait_until="load")
        except Exception as exc:  # a link that answers with a file: the browser downloads it
            if "Download is starting" in str(exc):
                continue
            raise
        visited.append(url)
        if response is None or response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
            continue
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))"):
            target = urlsplit(urljoin(url, href))
            if target.scheme or target.netloc or not target.path.startswith("/"):
                continue
            if target.path.startswith(SKIP_PREFIXES) or DOWNLOADS.search(target.path) or "format=" in target.query:
                continue
            next_url = target.path + (f"?{target.query}" if target.query else "")
            if next_url not in seen:
                queue.append(next_url)
    return visited


def test_every_page_of_every_role_runs_without_console_errors_or_csp_violations(
    demo: None,
    server: str,  # noqa: F811
    browser: Any,  # noqa: F811
) -> None:
    report: list[str] = []
    for username, *_ in DEMO_USERS:
        context = browser.new_context(locale="zh-CN")
        context.add_cookies([session_cookie(User.objects.get(username=username), server)])
        watch = Watch(context)
        visited = crawl(context.new_page(), server)
        context.close()
        assert len(visited) > 3, f"{username} reached almost nothing: {visited}"
        report += [f"[{username}] {p}" for p in watch.problems]
    assert not report, "\n".join(report)


# --- Accessibility --------------------------------------------------------------------------------

SERIOUS = ("serious", "critical")


def axe_violations(page: Any) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations.map(v => ("
        "{id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"
    )
    return [f"{v['id']} ({v['impact']}): {v['help']} — {v['nodes']}" for v in result if v["impact"] in SERIOUS]


def body_font_px(page: Any) -> float:
    return float(page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)"))


def set_elder_mode(page: Any, on: bool) -> None:
    """Press the switch in the top bar (a form: no script needed, remembered in a cookie)."""
    pressed = page.get_attribute("#elder-mode", "aria-pressed") == "true"
    if pressed != on:
        with page.expect_navigation():
            page.click("#elder-mode")
    assert (page.get_attribute("#elder-mode", "aria-pressed") == "true") == on


def check(page: Any, name: str, found: dict[str, list[str]], shoot: bool = False) -> None:
    """axe in both modes (the switch pressed on this very page), screenshots when asked."""
    for elder in (False, True):
        set_elder_mode(page, elder)
        mode = "elder" if elder else "normal"
        if elder:
            assert body_font_px(page) >= 18, f"{name}: body text is {body_font_px(page)} px in elder mode"
        violations = axe_violations(page)
        if violations:
            found[f"{name} ({mode})"] = violations
        if shoot:
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / f"{name}-{mode}.png"), full_page=True)
    set_elder_mode(page, False)


def test_the_main_pages_have_no_serious_accessibility_violations_in_either_mode(
    demo: None,
    server: str,  # noqa: F811
    browser: Any,  # noqa: F811
) -> None:
    from letters.models import Letter, Status

    letter = Letter.objects.order_by("pk").first()
    assert letter is not None, "the demo data decides cases, which requests letters"
    Letter.objects.filter(pk=letter.pk).update(status=Status.ISSUED, sha256="ab" * 32)
    found: dict[str, list[str]] = {}
    watch_problems: list[str] = []

    # Signed out: the sign-in page and the public letter verification page.
    anonymous = browser.new_context(locale="zh-CN")
    watch = Watch(anonymous)
    page = anonymous.new_page()
    page.goto(f"{server}/accounts/login/")
    check(page, "login", found, shoot=True)
    page.goto(f"{server}/letters/verify/{letter.verification_code}/")
    check(page, "letter-verify", found)
    anonymous.close()
    watch_problems += watch.problems

    # Signed in as the caseworker, reaching every page by clicking.
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    context.add_cookies([session_cookie(User.objects.get(username="caseworker"), server)])
    watch = Watch(context)
    page = context.new_page()
    page.goto(f"{server}/")
    check(page, "home", found)
    page.click("nav.mainnav a[href='/cases/']")
    page.wait_for_load_state()
    check(page, "case-list", found, shoot=True)
    page.click("table a[href^='/cases/']")
    page.wait_for_load_state()
    check(page, "case", found)
    for queue in ("#nav-mine", "#nav-queue"):  # my tasks, else the team's queue
        page.click(queue)
        page.wait_for_load_state()
        task_links = page.locator("main a[href^='/cases/tasks/']")
        if task_links.count():
            break
    assert task_links.count(), "the demo data leaves the caseworker a task"
    task_links.first.click()
    page.wait_for_load_state()
    assert "/cases/tasks/" in page.url
    check(page, "task-form", found)
    person = page.locator("main a[href^='/subjects/']").filter(has_not_text="编辑")
    if not person.count():
        page.click("nav.mainnav a[href='/subjects/']")
        page.wait_for_load_state()
        person = page.locator("table a[href^='/subjects/']")
    person.first.click()
    page.wait_for_load_state()
    assert re.search(r"/subjects/\d+/$", page.url), page.url
    check(page, "person", found, shoot=True)
    context.close()
    watch_problems += watch.problems

    assert not found, "\n".join(f"{page}:\n  " + "\n  ".join(v) for page, v in found.items())
    assert not watch_problems, "\n".join(watch_problems)


def test_the_elder_mode_is_remembered_from_page_to_page_and_needs_no_sign_in(
    server: str,  # noqa: F811
    browser: Any,  # noqa: F811
) -> None:
    restore_demo_divisions()
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.goto(f"{server}/accounts/login/")
    assert body_font_px(page) < 18
    set_elder_mode(page, True)
    assert page.url.endswith("/accounts/login/")  # back where the switch was pressed
    page.goto(f"{server}/accounts/login/?next=/cases/")
    assert body_font_px(page) >= 18
    assert "elder" in (page.get_attribute("body", "class") or "")
    set_elder_mode(page, False)
    assert body_font_px(page) < 18
    context.close()


def test_the_watch_sees_a_csp_violation_and_axe_sees_a_missing_label(
    server: str,  # noqa: F811
    browser: Any,  # noqa: F811
) -> None:
    """The two checks above can fail: an inline style and an unlabelled field are caught."""
    context = browser.new_context(locale="zh-CN")
    watch = Watch(context)
    page = context.new_page()
    page.goto(f"{server}/accounts/login/")
    page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<p style=\"color: red\">x</p>')")
    page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<input name=unlabelled>')")
    page.wait_for_timeout(200)
    assert any("CSP violation: style-src" in p for p in watch.problems), watch.problems
    assert any(v.startswith("label ") for v in axe_violations(page))
    context.close()
