"""The real division tree loads completely and idempotently."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from jurisdictions.models import Division, Level

pytestmark = pytest.mark.django_db


def test_every_level_is_loaded_with_the_datasets_counts() -> None:
    counts = {level: Division.objects.filter(level=level).count() for level in Level}
    assert counts == {
        Level.NATION: 1,
        Level.PROVINCE: 32,  # 31 provinces and the 新疆生产建设兵团 (66)
        Level.CITY: 356,  # 342 and its 14 师 (66NN)
        Level.COUNTY: 2978,
        Level.TOWNSHIP: 41352,
    }


def test_chaoyang_district_sits_under_beijing() -> None:
    chaoyang = Division.objects.select_related("parent__parent").get(code="110105")
    city, province = chaoyang.parent, chaoyang.parent.parent if chaoyang.parent else None
    assert chaoyang.name == "朝阳区"
    assert chaoyang.level == Level.COUNTY
    assert city is not None and city.code == "1101"
    assert province is not None and province.name == "北京市"
    assert province.parent_id == "CN"


def test_townships_hang_under_their_county() -> None:
    assert Division.objects.filter(parent_id="440106", level=Level.TOWNSHIP).count() == 21
    assert not Division.objects.filter(level=Level.TOWNSHIP).exclude(parent__level=Level.COUNTY).exists()


def test_loading_twice_creates_nothing_new() -> None:
    before = Division.objects.count()
    out = StringIO()
    call_command("load_divisions", stdout=out, verbosity=0)
    assert Division.objects.count() == before
    assert "0 created, 0 renamed" in out.getvalue()


def test_a_renamed_division_is_updated_in_place(tmp_path: Path) -> None:
    Division.objects.filter(code="440106").update(name="旧名")
    call_command("load_divisions", verbosity=0)
    assert Division.objects.get(code="440106").name == "天河区"


def test_a_file_with_a_wrong_parent_is_refused_with_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name,parent\n44,广东省,\n4401,广州市,45\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"line 3: code 4401 has parent '45', expected '44'"):
        call_command("load_divisions", file=bad, verbosity=0)


def test_a_malformed_code_is_refused_with_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name,parent\n4a,广东省,\n", encoding="utf-8")
    with pytest.raises(CommandError, match="line 2: '4a' is not a division code"):
        call_command("load_divisions", file=bad, verbosity=0)


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no such file"):
        call_command("load_divisions", file=tmp_path / "absent.csv", verbosity=0)
