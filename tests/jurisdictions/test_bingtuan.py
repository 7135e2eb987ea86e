"""The 新疆生产建设兵团 in the division tree (``66``, its 师 ``66NN``) and its Xinjiang-coded units."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from jurisdictions import scope
from jurisdictions.models import BingtuanLink, Division, Level
from subjects import ids
from subjects import queries as subject_queries
from subjects.actions import do_register_subject
from subjects.models import Category, Subject

pytestmark = pytest.mark.django_db

SHIHEZI = "659001"  # 石河子市, a 师市 of the 第八师 under a Xinjiang code
ALAER = "659002"  # 阿拉尔市, the 第一师
FARM_104 = "650103501"  # 兵团农十二师一零四团, a 团场 township inside 乌鲁木齐 沙依巴克区
URUMQI_TIANSHAN = "650102"  # 天山区, an ordinary Xinjiang county
FARM_105 = "652323520"  # 兵团一零五团, a 第六师 团场 township inside 呼图壁县 (linked on a cited source)
FARM_147 = "652324521"  # 兵团一四七团 inside 玛纳斯县: its 师 is not cited anywhere, so it is not linked
XINXING = "659011"  # 新星市, the 第十三师's 师市


def register(division: str, name: str, sequence: int = 11) -> Subject:
    id_number = ids.build(division[:6], dt.date(1960, 5, 17), sequence)
    return do_register_subject(
        division=division, id_number=id_number, name=name, actor=None, category=Category.RETIRED_SOLDIER
    )


def test_the_corps_is_a_provincial_level_unit_with_fourteen_divisions() -> None:
    corps = Division.objects.get(code="66")
    assert corps.name == "新疆生产建设兵团" and corps.level == Level.PROVINCE and corps.parent_id == "CN"
    shi = list(Division.objects.filter(parent_id="66").order_by("code").values_list("code", "name"))
    assert len(shi) == 14
    assert shi[0] == ("6601", "第一师阿拉尔市")
    assert shi[-1] == ("6614", "第十四师昆玉市")
    assert all(Division.objects.get(code=code).level == Level.CITY for code, _name in shi)


def test_xinjiang_coded_units_keep_their_codes_and_are_linked_to_their_shi() -> None:
    shihezi = Division.objects.get(code=SHIHEZI)
    assert shihezi.parent_id == "6590" and shihezi.name == "石河子市"
    assert BingtuanLink.objects.get(division_id=SHIHEZI).shi_id == "6608"
    assert BingtuanLink.objects.get(division_id=ALAER).shi_id == "6601"
    assert BingtuanLink.objects.get(division_id=FARM_104).shi_id == "6612"
    assert not BingtuanLink.objects.filter(division_id=URUMQI_TIANSHAN).exists()


def test_a_shi_membership_covers_its_linked_units_and_nothing_else_in_xinjiang(
    make_user: Callable[..., Any],
) -> None:
    staff = make_user("bingtuan_8", "caseworker", "6608")
    assert scope.can_see(staff, SHIHEZI) and scope.can_see(staff, f"{SHIHEZI}500")
    assert not scope.can_see(staff, ALAER)
    assert not scope.can_see(staff, URUMQI_TIANSHAN)
    assert not scope.can_see(staff, "65")


def test_corps_staff_see_a_subject_registered_in_shihezi_but_not_in_urumqi(
    make_user: Callable[..., Any],
) -> None:
    in_shihezi = register(SHIHEZI, "石河子老兵")
    in_urumqi = register(URUMQI_TIANSHAN, "天山区老兵")
    in_farm = register(FARM_104, "一零四团老兵")
    corps_staff = make_user("bingtuan", "caseworker", "66")
    visible = set(subject_queries.subjects_for(corps_staff).values_list("pk", flat=True))
    assert in_shihezi.pk in visible and in_farm.pk in visible
    assert in_urumqi.pk not in visible
    assert subject_queries.access_subject(corps_staff, in_shihezi.pk) == in_shihezi


def test_a_shi_sees_its_own_units_only(make_user: Callable[..., Any]) -> None:
    in_shihezi = register(SHIHEZI, "石河子老兵")
    in_alaer = register(ALAER, "阿拉尔老兵")
    first_shi = make_user("bingtuan_1", "caseworker", "6601")
    visible = set(subject_queries.subjects_for(first_shi).values_list("pk", flat=True))
    assert visible == {in_alaer.pk}
    assert in_shihezi.pk not in visible


def test_corps_supervisors_are_counted_among_those_who_supervise_a_linked_unit(
    make_user: Callable[..., Any],
) -> None:
    corps_supervisor = make_user("bingtuan_supervisor", "supervisor", "6608")
    xinjiang_supervisor = make_user("xinjiang_supervisor", "supervisor", "65")
    other_shi = make_user("bingtuan_1_supervisor", "supervisor", "6601")
    holders = scope.supervisors_of(SHIHEZI)
    assert corps_supervisor in holders and xinjiang_supervisor in holders
    assert other_shi not in holders


def test_the_division_page_of_a_shi_lists_its_linked_units(client: Any, caseworker: Any) -> None:
    client.force_login(caseworker)
    page = client.get("/divisions/6608/").content.decode()
    assert "第八师石河子市" in page and SHIHEZI in page
    unit_page = client.get(f"/divisions/{SHIHEZI}/").content.decode()
    assert "/divisions/6608/" in unit_page and "新疆生产建设兵团所属单位" in unit_page


def test_a_link_to_something_not_a_shi_is_refused(tmp_path: Path) -> None:
    links = tmp_path / "links.csv"
    links.write_text("code,name,division\n659001,石河子市,65\n", encoding="utf-8")
    with pytest.raises(CommandError, match="66NN"):
        call_command("load_divisions", links=links, stdout=StringIO(), verbosity=0)


def test_every_link_names_its_source_and_points_at_a_township_or_county_of_xinjiang() -> None:
    import csv

    from jurisdictions.management.commands.load_divisions import LINKS_FILE

    with LINKS_FILE.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and all(row["source"] for row in rows)
    assert {row["source"] for row in rows} <= {"shishi", "name", "wiki-6606", "baike-6613", "dimingku", "xjshs"}
    assert all(row["code"].startswith("65") and len(row["code"]) in (6, 9) for row in rows)
    assert BingtuanLink.objects.count() == len(rows)


def test_all_twelve_shi_cities_are_linked_including_xinxing_and_baiyang() -> None:
    cities = dict(BingtuanLink.objects.filter(division__code__startswith="6590").values_list("division_id", "shi_id"))
    assert len(cities) == 12
    assert cities[XINXING] == "6613" and cities["659012"] == "6609"


def test_a_shi_users_scope_covers_its_tuanchang_township_under_an_ordinary_county(
    make_user: Callable[..., Any],
) -> None:
    in_farm = register(FARM_105, "一零五团老兵")
    in_county = register("652323", "呼图壁县老兵", sequence=12)
    in_unlinked_farm = register(FARM_147, "一四七团老兵")
    sixth_shi = make_user("bingtuan_6", "caseworker", "6606")
    assert BingtuanLink.objects.get(division_id=FARM_105).shi_id == "6606"
    assert scope.can_see(sixth_shi, FARM_105)
    visible = set(subject_queries.subjects_for(sixth_shi).values_list("pk", flat=True))
    assert visible == {in_farm.pk}
    assert in_county.pk not in visible and in_unlinked_farm.pk not in visible
    assert subject_queries.access_subject(sixth_shi, in_farm.pk) == in_farm


def test_an_unlinked_tuanchang_is_reached_only_through_an_explicit_grant(make_user: Callable[..., Any]) -> None:
    corps_staff = make_user("bingtuan_all", "caseworker", "66")
    assert not scope.can_see(corps_staff, FARM_147)
    farm_staff = make_user("farm_147", "caseworker", FARM_147)
    assert scope.can_see(farm_staff, FARM_147)
