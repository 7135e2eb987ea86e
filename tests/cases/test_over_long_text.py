"""An over-long text in any main form is a Chinese field error, never a server error, and nothing is saved.

Each form is read from its page as a browser would (every text field and text area filled with
100,000 characters, the other fields left as the page offers them) and sent back.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from django.test import Client

from cases.models import Case

from .conftest import open_task
from .test_views import logged_in

LONG = "a" * 100_000
TOO_LONG = "不超过"  # Django's Chinese max_length message: 确保该值不超过 N 个字符（现在有 M 个）


class FormFields(HTMLParser):
    """The fields of each POST form on a page: text fields and text areas apart from the others."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, Any]] = []
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "").lower() == "post":
            self.forms.append({"action": a.get("action", ""), "text": [], "other": {}})
        if not self.forms:
            return
        form = self.forms[-1]
        if tag == "option" and self._select and a.get("value") and self._select not in form["other"]:
            form["other"][self._select] = a["value"]
        if not a.get("name"):
            return
        kind = a.get("type", "text")
        if tag == "textarea" or (tag == "input" and kind in ("text", "search", "tel", "email")):
            form["text"].append(a["name"])
        elif tag == "input" and kind in ("hidden", "checkbox", "radio") and a["name"] not in form["other"]:
            if kind == "hidden" or "checked" in a:
                form["other"][a["name"]] = a.get("value", "")
        elif tag == "select":
            self._select = a["name"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def post_over_long_text(client: Client, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200, url
    parser = FormFields()
    parser.feed(page.content.decode())
    form = max(parser.forms, key=lambda f: len(f["text"]))  # the page's own form, not the top bar's
    assert form["text"], f"no text field on {url}"
    data = {**form["other"], **dict.fromkeys(form["text"], LONG)}
    response = client.post(form["action"] or url, data)
    assert response.status_code in (200, 400), f"{url}: {response.status_code}"  # the form again, with its errors
    text = response.content.decode()
    assert TOO_LONG in text, f"{url}: no field error for the over-long text"
    assert 'class="errorlist' in text
    return text


def test_filing_a_case_with_over_long_texts_is_a_field_error(client: Client, caseworker: Any, subject: Any) -> None:
    client.force_login(caseworker)
    post_over_long_text(client, f"/cases/new/?subject={subject.pk}")
    assert not Case.objects.exists()


def test_every_task_form_refuses_over_long_texts(
    client: Client, walk: Any, file_case: Any, caseworker: Any, liaison_ps: Any, approver: Any
) -> None:
    case = file_case()
    for node, user in (("intake", caseworker), ("verify_public_security", liaison_ps), ("approve", approver)):
        if node == "verify_public_security":
            case = walk.intake(case)
        if node == "approve":
            case = walk.verify_all(case)
        logged_in(client, user)
        before = Case.objects.get(pk=case.pk).status
        post_over_long_text(client, f"/cases/tasks/{open_task(case, node).pk}/")
        assert Case.objects.get(pk=case.pk).status == before, node


def test_withdrawing_a_case_with_an_over_long_reason_is_a_field_error(
    client: Client, caseworker: Any, file_case: Any
) -> None:
    case = file_case()
    client.force_login(caseworker)
    post_over_long_text(client, f"/cases/{case.pk}/withdraw/")
    assert Case.objects.get(pk=case.pk).status == case.status


def test_registering_a_person_with_over_long_texts_is_a_field_error(client: Client, caseworker: Any) -> None:
    from subjects.models import Subject

    client.force_login(caseworker)
    before = Subject.objects.count()
    post_over_long_text(client, "/subjects/new/")
    assert Subject.objects.count() == before


def test_creating_an_account_with_an_over_long_name_is_a_field_error(client: Client, make_user: Any) -> None:
    from accounts.models import User

    logged_in(client, make_user("sysadmin", "sysadmin"))
    before = User.objects.count()
    post_over_long_text(client, "/staff/new/")
    assert User.objects.count() == before
