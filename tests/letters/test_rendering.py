"""Rendering: the exact Chinese text is in the PDF, rare name characters render, and a missing
glyph or font fails loudly instead of printing tofu."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from letters import rendering
from letters.models import Letter, Status
from letters.tasks import render_letter
from tests.letters.conftest import RARE_NAME, needs_pdftotext


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def _flat(text: str) -> str:
    return "".join(text.split())


@needs_pdftotext
def test_approval_letter_text_has_the_exact_chinese_strings(
    letterhead: Any,
    file_case: Callable[..., Any],
    decide: Callable[..., Any],
    issue: Callable[..., Letter],
    settings: Any,
) -> None:
    case = decide(file_case(), "approve", approved_amount="420.50")
    letter = issue(case, "approval")
    assert letter.status == Status.ISSUED, letter.error
    text = _flat(pdf_text(Path(settings.LAUREL_LETTER_DIR) / letter.file_name))
    for expected in (
        "广州市天河区退役军人事务局",
        f"天退役军人决〔{letter.year}〕1号",  # the year the letter was numbered in (local calendar)
        "批准决定书",
        f"{RARE_NAME}：",  # the addressee, rare characters included
        case.subject.id_number_masked,
        case.number,
        "每月发放人民币420.50元",
        "自2026年1月1日起享受国家补助",
        "《军人抚恤优待条例》第三十条",
        "60日内向广州市天河区人民政府申请行政复议",
        "6个月内依法向广州铁路运输法院提起行政诉讼",
        "联系电话：020-12345678",
        "抄送：广州市退役军人事务局。",
        f"验证码：{letter.snapshot['verification_code']}",
        "—1—",
    ):
        assert expected in text, expected
    # Only the masked ID number is ever printed.
    assert case.subject.id_number_masked.count("*") == 8


@needs_pdftotext
def test_rejection_letter_states_reasons_basis_and_appeal_rights(
    letterhead: Any,
    file_case: Callable[..., Any],
    decide: Callable[..., Any],
    issue: Callable[..., Letter],
    settings: Any,
) -> None:
    case = decide(file_case(), "reject", reasons="经核查，申请人已享受同类补助，不符合重复享受的条件。")
    letter = issue(case, "rejection")
    text = _flat(pdf_text(Path(settings.LAUREL_LETTER_DIR) / letter.file_name))
    assert "不予批准决定书" in text
    assert "决定：不予批准你的申请。" in text
    assert "理由：经核查，申请人已享受同类补助，不符合重复享受的条件。" in text
    assert "依据：《军人抚恤优待条例》第三十条" in text
    assert "救济途径：如不服本决定，可以自收到本决定书之日起60日内向广州市天河区人民政府申请行政复议" in text


def test_a_character_no_font_has_raises_an_error_naming_it() -> None:
    html = '<html lang="zh-CN"><body><p>申请人：陈𰀀明</p></body></html>'  # U+30000 (Ext G): not in Noto CJK
    with pytest.raises(rendering.MissingGlyphs) as caught:
        rendering.pdf_from_html(html)
    assert caught.value.characters == ["𰀀"]
    assert "U+30000" in str(caught.value)


def test_without_a_cjk_font_rendering_fails_naming_the_missing_characters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from weasyprint.text.fonts import FontConfiguration

    # A fontconfig that knows only DejaVu (Latin): what a machine without fonts-noto-cjk sees.
    latin = next((p for p in ("/usr/share/fonts/truetype/dejavu",) if Path(p).is_dir()), None)
    if latin is None:
        pytest.skip("DejaVu fonts (fonts-dejavu-core) are not installed")
    conf = tmp_path / "fonts.conf"
    conf.write_text(
        f'<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig><dir>{latin}</dir>'
        f"<cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>"
    )
    monkeypatch.setenv("FONTCONFIG_FILE", str(conf))
    latin_only = FontConfiguration()
    with pytest.raises(rendering.MissingGlyphs) as caught:
        rendering.pdf_from_html('<html lang="zh-CN"><body><p>批准决定书</p></body></html>', config=latin_only)
    assert set(caught.value.characters) == set("批准决定书")
    assert "批 (U+6279)" in str(caught.value)


def test_no_cjk_font_installed_at_all_is_refused_before_rendering(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rendering, "cjk_font_families", lambda: frozenset())
    with pytest.raises(rendering.MissingFonts, match="fonts-noto-cjk"):
        rendering.pdf_from_html('<html lang="zh-CN"><body>受理通知书</body></html>')


def test_a_letter_may_not_fetch_anything_from_outside() -> None:
    html = '<html lang="zh-CN"><body><img src="http://203.0.113.9/seal.png"><p>受理</p></body></html>'
    with pytest.raises(rendering.LetterRenderError, match="not inline"):
        rendering.pdf_from_html(html)


def test_a_name_that_cannot_be_printed_fails_the_job_and_the_letter_says_why(
    letterhead: Any, file_case: Callable[..., Any], approver: Any
) -> None:
    from letters.actions import do_request_letter

    case = file_case(name="陈𰀀")
    letter = do_request_letter(case, kind="acknowledgement", actor=approver)
    with pytest.raises(rendering.MissingGlyphs):
        render_letter.call(letter.pk)
    letter.refresh_from_db()
    assert letter.status == Status.FAILED
    assert "U+30000" in letter.error
    assert letter.sha256 == "" and letter.file_name == ""


def pdf_pages(path: Path) -> list[str]:
    count = int(
        next(
            line.split()[-1]
            for line in subprocess.run(
                ["pdfinfo", str(path)], capture_output=True, text=True, check=True
            ).stdout.splitlines()
            if line.startswith("Pages:")
        )
    )
    return [
        subprocess.run(
            ["pdftotext", "-f", str(n), "-l", str(n), str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        for n in range(1, count + 1)
    ]


@needs_pdftotext
def test_the_seal_and_date_never_stand_alone_at_the_top_of_a_page(
    letterhead: Any,
    file_case: Callable[..., Any],
    decide: Callable[..., Any],
    issue: Callable[..., Letter],
    settings: Any,
) -> None:
    """Reasons of growing length push the signature down the page; wherever the page breaks, the
    signature block starts no page: the body's last lines come with it (GB/T 9704)."""
    if shutil.which("pdfinfo") is None:
        pytest.skip("pdfinfo (poppler-utils) is not installed")
    sentence = "经核查，申请人提交的退役证明所载入伍时间与档案记载不一致，且未能补正。"
    checked = 0
    for sentences in range(6, 40):
        case = decide(file_case(), "reject", reasons=sentence * sentences)
        letter = issue(case, "rejection")
        pages = pdf_pages(Path(settings.LAUREL_LETTER_DIR) / letter.file_name)
        bureau = letter.snapshot["issuer"]["bureau_name"]
        for text in pages[1:]:
            first = next(line.strip() for line in text.splitlines() if line.strip())
            assert first != bureau, f"{sentences} sentences: the signature opens page {pages.index(text) + 1}"
        checked += len(pages) > 1
        if checked >= 10:
            break
    assert checked, "no reasons were long enough to reach a second page"


def test_a_letter_pdf_is_byte_for_byte_what_plain_weasyprint_makes_without_the_whole_font_copies(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from weasyprint import HTML
    from weasyprint.pdf import fonts as pdf_fonts
    from weasyprint.pdf import stream as pdf_stream

    html = (
        '<html lang="zh-CN"><body><h1 style="font-family: \'Noto Serif CJK SC\'; font-weight: bold">批准决定书</h1>'
        f"<p style=\"font-family: 'Noto Sans CJK SC'\">申请人：{RARE_NAME}</p>"
        "<p>每月发放人民币420.50元。</p></body></html>"
    )
    ours = rendering.pdf_from_html(html)
    lazy = pdf_stream.Font
    assert lazy.__name__ == "LazyFileFont"
    original = lazy.__mro__[1]
    created = []
    monkeypatch.setattr(pdf_stream, "Font", original)
    monkeypatch.setattr(pdf_fonts, "get_hb_object_data", rendering._real_get_hb_object_data)
    plain = HTML(string=html).write_pdf(font_config=rendering.font_config(), pdf_variant=rendering.PDF_VARIANT)
    assert ours == plain
    # A font whose subset is never made (nothing to subset) still reads its whole file when asked.
    monkeypatch.setattr(pdf_stream, "Font", lazy)
    monkeypatch.setattr(pdf_fonts, "get_hb_object_data", rendering._lazy_get_hb_object_data)
    real_init = lazy.__init__

    def spy(self: Any, *args: Any) -> None:
        real_init(self, *args)
        created.append(self)

    monkeypatch.setattr(lazy, "__init__", spy)
    rendering.pdf_from_html(html)
    assert created
    font = created[0]
    assert font.__dict__["_file_content"] is not rendering._DEFERRED  # replaced by its subset
    fresh = lazy.__new__(lazy)
    fresh.__dict__.update({"hb_face": font.hb_face, "_file_content": rendering._DEFERRED})
    assert len(fresh.file_content) > 1_000_000  # the whole collection, read on demand


def test_the_qr_code_has_exactly_the_modules_of_the_qrcode_library() -> None:
    import base64
    import re

    import qrcode
    import qrcode.image.svg

    text = "https://laurel.example.gov.cn/letters/verify/NGYWU-SNPWC/"
    reference = qrcode.QRCode(border=1, box_size=10, image_factory=qrcode.image.svg.SvgPathImage, mask_pattern=0)
    reference.add_data(text)
    reference.make(fit=True)
    expected = {(x, y) for y, row in enumerate(reference.get_matrix()) for x, dark in enumerate(row) if dark}
    svg = base64.b64decode(rendering.qr_svg_data_uri(text).split(",", 1)[1]).decode()
    drawn = set()
    path = re.search(r' d="([^"]*)"', svg)
    assert path is not None
    for x, y, width in re.findall(r"M(\d+),(\d+)h(\d+)v1h-\3z", path.group(1)):
        drawn |= {(int(x) + i, int(y)) for i in range(int(width))}
    assert drawn == expected
    size = len(reference.get_matrix())
    assert f'viewBox="0 0 {size} {size}"' in svg and f'width="{size}mm"' in svg
