"""The person's page: grouped sections with sex, birth date and age, provenance once per group, the
person's cases, letters and benefits (current and ended), and "new case" from there."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from freezegun import freeze_time

from accounts.models import User
from cases.models import Case
from subjects.actions import do_add_benefit, do_end_benefit, do_update_subject
from subjects.models import Subject
from subjects.views import age_on

from .test_workbench import client_for

pytestmark = pytest.mark.django_db


def person_page(user: User, subject: Subject) -> str:
    response = client_for(user).get(reverse("subjects:detail", args=[subject.pk]))
    assert response.status_code == 200
    return response.content.decode()


def section(page: str, name: str) -> str:
    return page.split(f'id="{name}"')[1].split("</section>")[0]


def test_age_counts_completed_years() -> None:
    assert age_on(dt.date(1960, 6, 15), dt.date(2026, 6, 14)) == 65
    assert age_on(dt.date(1960, 6, 15), dt.date(2026, 6, 15)) == 66
    assert age_on(dt.date(1960, 2, 29), dt.date(2026, 2, 28)) == 65


def test_the_identity_section_shows_sex_birth_date_and_age_on_the_local_day(caseworker: User, subject: Subject) -> None:
    birthday = subject.birth_date
    # 23:30 UTC the day before the birthday is already the birthday in Beijing.
    eve = dt.datetime.combine(birthday.replace(year=2026) - dt.timedelta(days=1), dt.time(23, 30), tzinfo=dt.UTC)
    with freeze_time(eve):
        identity = section(person_page(caseworker, subject), "section-identity")
    assert subject.get_sex_display() in identity
    assert birthday.strftime("%Y-%m-%d") in identity or str(birthday.year) in identity
    assert f"{2026 - birthday.year} 岁" in identity


def test_provenance_is_one_line_per_group_naming_the_fields_of_a_second_source(
    caseworker: User, subject: Subject
) -> None:
    do_update_subject(subject, changes={"phone": "13800138000"}, provenance="self_declared", actor=caseworker)
    page = person_page(caseworker, subject)
    identity = section(page, "section-identity")
    assert identity.count('class="provenance"') == 1 and "经办人录入" in identity
    contact = section(page, "section-contact")
    line = contact.split('class="provenance"')[1]
    assert "自主申报" in line and "联系电话" in line and "户籍" in line
    assert "经办人录入" in line


def test_the_person_page_lists_cases_letters_and_current_and_ended_benefits_with_links(
    caseworker: User, subject: Subject, file_case: Callable[..., Case]
) -> None:
    case = file_case()
    current = do_add_benefit(
        subject,
        benefit_type="state_subsidy",
        amount=Decimal("300"),
        start=dt.date(2025, 1, 1),
        actor=caseworker,
        provenance="caseworker_entry",
    )
    ended = do_add_benefit(
        subject,
        benefit_type="dibao",
        amount=Decimal("500"),
        start=dt.date(2020, 1, 1),
        actor=caseworker,
        provenance="caseworker_entry",
    )
    do_end_benefit(ended, end=dt.date(2024, 12, 31), reason="收入超标", actor=caseworker, provenance="caseworker_entry")
    page = person_page(caseworker, subject)
    cases = section(page, "panel-cases")
    assert reverse("cases:detail", args=[case.pk]) in cases and case.number in cases
    assert "panel-letters" in page
    benefits = section(page, "section-benefits")
    assert current.get_benefit_type_display() in benefits
    assert benefits.index("已终止") < benefits.index("收入超标")
    new_case = f"{reverse('cases:file')}?subject={subject.pk}"
    assert new_case in page.split('class="page-actions"')[1].split("</p>")[0]


def test_the_case_page_links_back_to_the_person(
    caseworker: User, subject: Subject, file_case: Callable[..., Case]
) -> None:
    case = file_case()
    page = client_for(caseworker).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert f'href="{reverse("subjects:detail", args=[subject.pk])}" id="case-person"' in page


def test_no_new_case_button_for_who_may_not_file_and_no_person_page_for_an_outsider(
    make_user: Callable[..., User], caseworker_b: User, subject: Subject, file_case: Callable[..., Case]
) -> None:
    file_case()
    auditor = make_user("auditor", "auditor")
    assert reverse("cases:file") not in person_page(auditor, subject)
    outsider: Any = client_for(caseworker_b)
    assert outsider.get(reverse("subjects:detail", args=[subject.pk])).status_code == 404
    assert outsider.get(reverse("cases:file"), {"subject": subject.pk}).status_code == 404


def test_the_case_page_names_proposed_corrections_by_the_persons_field_labels(
    caseworker: User, file_case: Callable[..., Case]
) -> None:
    case = file_case("data_correction")  # proposes phone=13800138000
    page = client_for(caseworker).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "联系电话 → <span data-raw>13800138000</span>" in page
    assert "phone →" not in page
