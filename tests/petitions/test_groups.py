"""Group petitions (集体访, Art. 20): many petitioners, at most five representatives, letters to them."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEvent
from cases.models import Case
from letters.models import Letter
from petitions.groups import Named
from petitions.models import Petition, Petitioner
from tests.cases.conftest import new_id
from tests.conftest import COUNTY_A, COUNTY_B

pytestmark = pytest.mark.django_db

NAMES = ["赵一", "钱二", "孙三", "李四", "周五", "吴六", "郑七"]


def group(count: int, representatives: int) -> list[Named]:
    """``count`` named petitioners besides the person, the first ``representatives`` of them representatives."""
    return [Named(name=NAMES[i], id_number=new_id(COUNTY_A), representative=i < representatives) for i in range(count)]


def test_a_group_visit_with_five_representatives_is_registered(register, subject):
    case = register(petitioners=group(6, 4), representative=True, accept_now=True)  # the person and 4 others
    rows = list(Petitioner.objects.filter(petition__case=case))
    assert len(rows) == 7 and rows[0].subject_id == subject.pk
    assert sum(r.representative for r in rows) == 5
    assert all("*" in r.id_number_masked and len(r.id_number_hmac) == 64 for r in rows)
    # The letters are addressed to the representatives.
    letter = Letter.objects.filter(case=case).latest("id")
    assert letter.snapshot["petition"]["representatives"] == [subject.name, *NAMES[:4]]
    assert letter.snapshot["subject"]["name"] == "、".join([subject.name, *NAMES[:4]])
    from letters import rendering

    assert f"{'、'.join([subject.name, *NAMES[:4]])}：" in rendering.letter_html(letter.snapshot)


def test_a_sixth_representative_is_refused_with_article_20_and_nothing_saved(register):
    before = Case.objects.count()
    with pytest.raises(ValidationError) as exc:
        register(petitioners=group(6, 5), representative=True)
    message = exc.value.message_dict["petitioners"][0]
    assert "第二十条" in message
    assert Case.objects.count() == before and not Petitioner.objects.exists()
    refused = AuditEvent.objects.filter(event_type="petition.refused").latest("id")
    assert refused.data["action"] == "register" and refused.data["fields"] == ["petitioners"]


def test_a_group_visit_without_representatives_is_refused(register):
    with pytest.raises(ValidationError) as exc:
        register(petitioners=group(2, 0), representative=False)
    assert "petitioners" in exc.value.message_dict


def test_a_group_letter_may_have_more_than_five_petitioners_without_representatives(register):
    case = register(channel="letter", petitioners=group(7, 0), representative=False)
    assert Petitioner.objects.filter(petition__case=case).count() == 8


def test_each_petitioners_identity_is_checked(register):
    bad = [Named(name="赵一", id_number="110101199003071234"), Named(name="", id_number=new_id(COUNTY_A))]
    with pytest.raises(ValidationError) as exc:
        register(petitioners=bad)
    messages = exc.value.message_dict["petitioners"]
    assert len(messages) == 2 and "2" in messages[0] and "3" in messages[1]
    assert not Petition.objects.exists()


def test_the_same_person_twice_is_refused(register, subject, make_subject):
    other = make_subject(COUNTY_A, name="钱二")
    with pytest.raises(ValidationError):
        register(petitioners=[Named(subject=other, representative=True), Named(subject=subject)])


def test_a_registered_person_is_linked(register, make_subject):
    other = make_subject(COUNTY_A, name="钱二")
    case = register(petitioners=[Named(subject=other, representative=True)])
    assert Petitioner.objects.get(petition__case=case, position=1).subject_id == other.pk


def test_a_single_petitioner_has_no_group_rows(register):
    case = register()
    assert not Petitioner.objects.filter(petition__case=case).exists()


def test_the_api_accepts_petitioners_and_old_clients_still_work(api_as, caseworker, subject, make_subject):
    base = {"subject": subject.pk, "channel": "visit", "request": "补发", "facts": "未收到", "reasons": "符合"}
    old = api_as(caseworker).post("/api/v1/petitions/", base, format="json")
    assert old.status_code == 201 and old.json()["petitioners"] == []
    other = make_subject(COUNTY_A, name="钱二")
    rows = [
        {"subject": other.pk, "representative": True},
        {"name": "赵一", "id_number": new_id(COUNTY_A)},
    ]
    made = api_as(caseworker).post(
        "/api/v1/petitions/", {**base, "request": "集体诉求", "petitioners": rows}, format="json"
    )
    assert made.status_code == 201, made.content
    shown = made.json()["petitioners"]
    assert [p["name"] for p in shown] == [subject.name, "钱二", "赵一"]
    assert [p["representative"] for p in shown] == [True, True, False]
    six = [{"name": NAMES[i], "id_number": new_id(COUNTY_A), "representative": True} for i in range(5)]
    refused = api_as(caseworker).post(
        "/api/v1/petitions/", {**base, "request": "六名代表", "petitioners": six}, format="json"
    )
    assert refused.status_code == 400 and "petitioners" in refused.json()


def test_the_api_404s_a_petitioner_outside_the_jurisdiction(api_as, caseworker, subject, make_subject):
    subject_b = make_subject(COUNTY_B, name="李四")
    body = {
        "subject": subject.pk,
        "channel": "visit",
        "request": "补发",
        "facts": "未收到",
        "reasons": "符合",
        "petitioners": [{"subject": subject_b.pk, "representative": True}],
    }
    assert api_as(caseworker).post("/api/v1/petitions/", body, format="json").status_code == 404
    assert not Petition.objects.exists()


def test_the_registration_form_takes_the_group_and_shows_it(client, caseworker, subject):
    client.force_login(caseworker)
    lines = "\n".join(f"{NAMES[i]} {new_id(COUNTY_A)}{' 代表' if i < 2 else ''}" for i in range(3))
    body = {
        "subject": subject.pk,
        "channel": "visit",
        "request": "集体补发",
        "facts": "未收到",
        "reasons": "符合条件",
        "petitioners": lines,
        "representative": "on",
    }
    response = client.post("/petitions/register/", body)
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get(petition__request="集体补发")
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'id="petitioners"' in page and NAMES[2] in page
    six = "\n".join(f"{NAMES[i]} {new_id(COUNTY_A)} 代表" for i in range(5))
    refused = client.post("/petitions/register/", {**body, "request": "六名代表", "petitioners": six})
    assert refused.status_code == 400 and "第二十条" in refused.content.decode()
