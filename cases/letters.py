"""The letters of a case: the kinds cases registers with ``letters`` and what each one says.

``letters`` is the mechanism (numbering, issuing authority, rendering, signing, verification,
dispatch); this module is the content: the case's part of a letter's data snapshot (the
person, the case, the decision in the letter's words), which outcome gets which decision
letter, which letters are issued once per case or requested by hand, who corrects them, and
what happens when a decision letter is issued. Registered from ``CasesConfig.ready()``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from letters import kinds
from letters.content import chinese_date, mask_name
from policies.citations import article_name, cited_by
from subjects.models import BenefitType, Subject

from .models import BenefitChange, Case, Outcome
from .models import Kind as CaseKind
from .notify import notify_letter_ready
from .queries import access_case

if TYPE_CHECKING:
    from letters.models import Letter

ACKNOWLEDGEMENT = "acknowledgement"
CORRECTION = "correction"
APPROVAL = "approval"
REJECTION = "rejection"
NON_ACCEPTANCE = "non_acceptance"
# The decision letters of the cases that suspend, resume or cancel a benefit paid by veterans' affairs.
SUSPENSION_DECISION = "benefit_suspend"
RESUMPTION_DECISION = "benefit_resume"
CANCELLATION_DECISION = "benefit_cancel"
# The decision on an overpayment (追缴决定, Art. 58): recover in full, in instalments, or waive.
RECOVERY_DECISION = "benefit_recovery"
STATUS_DECISIONS: dict[str, str] = {
    CaseKind.BENEFIT_SUSPENSION: SUSPENSION_DECISION,
    CaseKind.BENEFIT_RESUMPTION: RESUMPTION_DECISION,
    CaseKind.BENEFIT_CANCELLATION: CANCELLATION_DECISION,
    CaseKind.RECOVERY: RECOVERY_DECISION,
}
DECISIONS = (APPROVAL, REJECTION)


def _money(value: Any) -> str:
    return f"{Decimal(str(value)):,.2f}"


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _require_outcome(case: Case, kind: str) -> None:
    """A decision letter only for a case decided that way."""

    approved = (Outcome.APPROVED, Outcome.PARTLY_APPROVED)
    if kind in STATUS_DECISIONS.values() and STATUS_DECISIONS.get(case.kind) != kind:
        raise ValidationError({"kind": _("This letter is for another kind of case.")})
    wanted = {
        APPROVAL: approved,
        SUSPENSION_DECISION: approved,
        RESUMPTION_DECISION: approved,
        CANCELLATION_DECISION: approved,
        REJECTION: (Outcome.REJECTED,),
        NON_ACCEPTANCE: (Outcome.NOT_ACCEPTED,),
    }.get(kind)
    if wanted and case.outcome not in wanted:
        raise ValidationError({"kind": _("This case has no matching decision yet, so this letter cannot be issued.")})


def _amount_by_rule(case: Case, effective: Any) -> dict[str, Any] | None:
    """A benefit paid by veterans' affairs: its amount from the standards table and why (PIPL Art. 24),
    beside the amount claimed. ``None`` for other benefits (their amount is as decided)."""
    from django.core.exceptions import ValidationError as RuleError

    from benefits import rules

    if case.benefit_type not in rules.PERIODIC_TYPES:
        return None
    decided = timezone.localtime(case.decided_at).date() if case.decided_at else timezone.localdate()
    first = rules.effective_month(case.benefit_type, approved_on=decided, confirmed_on=case.effective_on)
    subject = case.subject
    terms = rules.Terms(case.benefit_type, category=subject.category, division=subject.division_id)
    try:
        found = rules.compute(terms, first)
    except RuleError:
        return None
    standard = found.standard
    why = (
        f"该金额依据《军人抚恤优待条例》{standard.article}，按{chinese_date(standard.effective_from)}起执行的标准"
        f"（标准编号{standard.pk}）计算"
    )
    if found.base is not None:
        why += f"，即当地上年度城镇单位就业人员月平均工资{_money(found.base.amount)}元的{standard.percent}%"
    if case.benefit_amount is not None and case.benefit_amount != found.amount:
        difference = found.amount - case.benefit_amount
        why += f"；申请金额为{_money(case.benefit_amount)}元，相差{_money(difference)}元"
    return {"from": first, "amount": _money(found.amount), "value": found.amount, "why": why + "。"}


def _with_article(reason: str, article: str) -> str:
    """The reason, citing the statute's article (the reasons' own words may already name it)."""
    if not article:
        return reason
    if article in reason:
        return reason.replace(f"（{article}）", f"（《军人抚恤优待条例》{article}）")
    return f"{reason}（《军人抚恤优待条例》{article}）"


def _recovery_lines(case: Case) -> list[str]:
    """What a recovery case decided, in the letter's words, from the overpayment as the decision left
    it: the months and amount overpaid, what is recovered and how (the instalments' schedule), what is waived."""
    from benefits.models import RecoveryCause, RecoveryItem

    item = RecoveryItem.objects.filter(pk=case.recovery_id or 0, subject_id=case.subject_id).first()
    if item is None:
        return []
    cause = _label(RecoveryCause, item.cause)
    lines = [
        f"你于{item.first_month.year}年{item.first_month.month}月至{item.last_month.year}年{item.last_month.month}月"
        f"多领取抚恤补助共计人民币{_money(item.amount)}元（原因：{cause}）。"
    ]
    if item.to_recover <= 0:
        lines.append("依据《军人抚恤优待条例》第五十八条，决定对上述多发款项予以免于追缴。")
        return lines
    schedule = item.schedule
    if len(schedule) > 1:
        first_month, first_amount = schedule[0]
        last_month, last_amount = schedule[-1]
        lines.append(
            f"依据《军人抚恤优待条例》第五十八条，决定追缴人民币{_money(item.to_recover)}元，"
            f"分{len(schedule)}期按月退还：自{first_month.year}年{first_month.month}月起每月{_money(first_amount)}元，"
            f"至{last_month.year}年{last_month.month}月（末期{_money(last_amount)}元）还清。"
        )
    else:
        due = item.first_due
        when = f"于{due.year}年{due.month}月内" if due else ""
        lines.append(
            f"依据《军人抚恤优待条例》第五十八条，决定追缴人民币{_money(item.to_recover)}元，请{when}一次性退还。"
        )
    if item.waived > 0:
        lines.append(f"其余人民币{_money(item.waived)}元免于追缴。")
    return lines


def _status_lines(case: Case) -> list[str]:
    """What a suspension, resumption or cancellation decided, in the letter's words, from the ledger
    as the decision left it (the benefit, the month, the reason and article, 补发 or recovery)."""
    from benefits import changes
    from benefits.models import Entitlement, LineKind, MinistryFiling, RecoveryItem
    from benefits.rules import add_months, month_of

    if case.kind == CaseKind.RECOVERY:
        return _recovery_lines(case)

    entitlement = Entitlement.objects.filter(benefit_id=case.benefit_id or 0, subject_id=case.subject_id).first()
    if entitlement is None:
        return []
    benefit = _label(BenefitType, entitlement.benefit_type)
    effective = month_of(case.effective_on or timezone.localdate())
    lines: list[str] = []
    if case.kind == CaseKind.BENEFIT_SUSPENSION:
        start = entitlement.suspended_from or effective
        reason = _label(changes.reasons_for(changes.SUSPEND), case.benefit_reason)
        lines.append(f"自{start.year}年{start.month}月起中止发放你的{benefit}。")
        lines.append(f"中止原因：{_with_article(reason, changes.article_of(changes.SUSPEND, case.benefit_reason))}。")
    elif case.kind == CaseKind.BENEFIT_RESUMPTION:
        now = month_of(timezone.localdate(case.decided_at) if case.decided_at else timezone.localdate())
        lines.append(
            f"自{now.year}年{now.month}月起恢复发放你的{benefit}，每月人民币{_money(entitlement.monthly_amount)}元。"
        )
        back = entitlement.lines.filter(kind=LineKind.ARREARS)
        if case.decided_at is not None:
            back = back.filter(created_at__gte=case.decided_at)
        paid_back = list(back)
        if paid_back:
            total = sum((line.amount for line in paid_back), Decimal("0"))
            lines.append(f"中止期间的{len(paid_back)}个月待遇予以补发，共计人民币{_money(total)}元。")
        else:
            lines.append("中止期间的待遇依规定不予补发。")
    else:
        after = add_months(entitlement.last_month or effective, 1)
        reason = _label(changes.reasons_for(changes.CANCEL), case.benefit_reason)
        article = changes.article_of(changes.CANCEL, case.benefit_reason)
        lines.append(f"取消你享受{benefit}的资格，自{after.year}年{after.month}月起停止发放。")
        lines.append(f"取消原因：{_with_article(reason, article)}。")
        item = RecoveryItem.objects.filter(entitlement=entitlement, source_ref=case.number).first()
        if item is not None:
            lines.append(
                f"{item.first_month.year}年{item.first_month.month}月至{item.last_month.year}年{item.last_month.month}月"
                f"已发放的人民币{_money(item.amount)}元属多发，应予退回。"
            )
    if MinistryFiling.objects.filter(entitlement=entitlement, case_number=case.number).exists():
        lines.append("本决定经省级人民政府退役军人工作主管部门批准，并报国务院退役军人工作主管部门备案。")
    return lines


def _decision(case: Case, kind: str) -> dict[str, Any]:
    """The decision's facts in the letter's words (Chinese: official documents are in Chinese)."""

    decided = timezone.localtime(case.decided_at).date() if case.decided_at else timezone.localdate()
    # Decided before effective dates were recorded: the requested start, as those letters said.
    effective = case.effective_on or case.benefit_start or decided
    amount = case.approved_amount if case.approved_amount is not None else case.benefit_amount
    benefit = _label(BenefitType, case.benefit_type) if case.benefit_type else ""
    lines: list[str] = []
    if kind in STATUS_DECISIONS.values():
        lines.extend(_status_lines(case))
        amount = None
    elif kind == APPROVAL:
        partly = case.outcome == Outcome.PARTLY_APPROVED
        verdict = "部分批准" if partly else "批准"
        if case.kind in (CaseKind.BENEFIT_CLAIM, CaseKind.RECONSIDERATION) and case.benefit_change:
            by_rule = _amount_by_rule(case, effective) if case.benefit_change == BenefitChange.ADD else None
            if by_rule is not None:
                lines.append(
                    f"{verdict}你的申请。自{chinese_date(by_rule['from'])}起享受{benefit}，每月发放人民币{by_rule['amount']}元。"
                )
                lines.append(by_rule["why"])
                amount = by_rule["value"]
            elif case.benefit_change == BenefitChange.ADD:
                if amount is not None:
                    lines.append(
                        f"{verdict}你的申请。自{chinese_date(effective)}起享受{benefit}，"
                        f"每月发放人民币{_money(amount)}元。"
                    )
                else:
                    lines.append(f"{verdict}你的申请。自{chinese_date(effective)}起享受{benefit}。")
            else:
                lines.append(f"{verdict}你的申请。自{chinese_date(effective)}起停止发放{benefit}。")
        if case.kind in (CaseKind.DATA_CORRECTION, CaseKind.RECONSIDERATION) and case.corrections:
            labels = []
            for field in case.corrections:
                try:
                    model_field = Subject._meta.get_field(field)
                except Exception:  # an unknown field is named as given
                    labels.append(field)
                else:
                    labels.append(str(getattr(model_field, "verbose_name", field)))
            lines.append(f"{verdict}你的申请，对你的档案信息（{'、'.join(labels)}）予以更正。")
        if not lines:
            lines.append(f"{verdict}你的申请，本机关将依规定办理。")
    elif kind == REJECTION:
        lines.append("不予批准你的申请。")
    elif kind == NON_ACCEPTANCE:
        lines.append("不予受理你的申请。")
    return {
        "outcome": case.outcome,
        "lines": lines,
        # The facts as the bureau established them (经查明), in its own words; never the applicant's account.
        "findings": case.findings,
        "retroactive_reason": case.retroactive_reason if kind == APPROVAL or kind in STATUS_DECISIONS.values() else "",
        "reasons": case.outcome_reasons,
        "legal_basis": case.legal_basis,
        # The article versions the decision cites (frozen with it): named, never quoted — a 摘要 is not the article.
        "citations": [
            {"id": c.article_id, "name": article_name(c.article), "version": c.article.version}
            for c in cited_by("cases.case", case.pk)
        ],
        "decided_on": chinese_date(decided),
        "effective_on": chinese_date(effective) if kind == APPROVAL or kind in STATUS_DECISIONS.values() else "",
        "amount": _money(amount) if amount is not None and kind == APPROVAL else "",
        "benefit": benefit,
    }


def case_snapshot(case: Case, details: dict[str, Any], *, kind: str) -> dict[str, Any]:
    """The case's part of a letter's snapshot: the person (masked ID number only), the case, the decision."""

    _require_outcome(case, kind)
    if kind == CORRECTION and not str(details.get("reasons", "")).strip():
        raise ValidationError({"reasons": _("Say what the person must correct or supply.")})
    subject = case.subject
    with translation.override("zh-hans"):
        case_kind = _label(CaseKind, case.kind)
        decision = _decision(case, kind)
    return {
        "subject": {
            "name": subject.name,
            "name_masked": mask_name(subject.name),
            "id_masked": subject.id_number_masked,
        },
        "case": {
            "number": case.number,
            "kind": case.kind,
            "kind_label": case_kind,
            "title": case.title,
            "filed_on": chinese_date(timezone.localtime(case.created_at).date()),
            "facts": case.description,
        },
        "decision": decision,
    }


# One function per kind (not partials), so that registering twice registers the same kind.
def acknowledgement_snapshot(case: Case, details: dict[str, Any]) -> dict[str, Any]:
    return case_snapshot(case, details, kind=ACKNOWLEDGEMENT)


def correction_snapshot(case: Case, details: dict[str, Any]) -> dict[str, Any]:
    return case_snapshot(case, details, kind=CORRECTION)


def approval_snapshot(case: Case, details: dict[str, Any]) -> dict[str, Any]:
    return case_snapshot(case, details, kind=APPROVAL)


def suspension_snapshot(case: Case, details: dict[str, Any]) -> dict[str, Any]:
    return case_snapshot(case, details, kind=SUSPENSION_DECISION)


def resumption_snapshot(case: Case, details: dict[str, Any]) -> dict[str, Any]:
    return case_snapshot(case, details, kind=RESUMPTION_DECISION)


def cancellation_snapshot(case: Case, details: dict[str, Any]) -> dict[str, Any]:
    return case_snapshot(case, details, kind=CANCELLATION_DECISION)


def recovery_snapshot(case: Case, details: dict[str, Any]) -> dict[str, Any]:
    return case_snapshot(case, details, kind=RECOVERY_DECISION)


def rejection_snapshot(case: Case, details: dict[str, Any]) -> dict[str, Any]:
    return case_snapshot(case, details, kind=REJECTION)


def non_acceptance_snapshot(case: Case, details: dict[str, Any]) -> dict[str, Any]:
    return case_snapshot(case, details, kind=NON_ACCEPTANCE)


def decision_letter_issued(letter: Letter) -> None:
    """Text the person served that the decision letter is ready (when a phone is on file)."""

    notify_letter_ready(letter.case, letter_key=str(letter.pk))


def lock_case(case_id: int) -> Case:
    return Case.objects.select_for_update(of=("self",)).select_related("subject").get(pk=case_id)


def register() -> None:
    """Register the letters of a case (called from ``CasesConfig.ready()``)."""
    kinds.register_case_source(kinds.CaseSource(access=access_case, lock=lock_case))
    for kind in (
        kinds.LetterKind(
            code=ACKNOWLEDGEMENT,
            label=gettext_lazy("Acknowledgement of receipt"),
            title="受理通知书",
            template="letters/pdf/acknowledgement.html",
            snapshot=acknowledgement_snapshot,
            one_in_force_among=(ACKNOWLEDGEMENT,),
            may_request=True,
        ),
        kinds.LetterKind(
            code=CORRECTION,
            label=gettext_lazy("Return for correction"),
            title="补正通知书",
            template="letters/pdf/correction.html",
            snapshot=correction_snapshot,
            may_request=True,
        ),
        kinds.LetterKind(
            code=APPROVAL,
            label=gettext_lazy("Approval decision"),
            title="批准决定书",
            template="letters/pdf/approval.html",
            snapshot=approval_snapshot,
            one_in_force_among=DECISIONS,
            supersede_permission=kinds.APPROVE,
            on_issued=decision_letter_issued,
        ),
        kinds.LetterKind(
            code=REJECTION,
            label=gettext_lazy("Rejection decision"),
            title="不予批准决定书",
            template="letters/pdf/rejection.html",
            snapshot=rejection_snapshot,
            one_in_force_among=DECISIONS,
            supersede_permission=kinds.APPROVE,
            on_issued=decision_letter_issued,
        ),
        kinds.LetterKind(
            code=NON_ACCEPTANCE,
            label=gettext_lazy("Refusal to accept"),
            title="不予受理告知书",
            template="letters/pdf/non_acceptance.html",
            snapshot=non_acceptance_snapshot,
            one_in_force_among=(NON_ACCEPTANCE,),
            on_issued=decision_letter_issued,
        ),
        kinds.LetterKind(
            code=SUSPENSION_DECISION,
            label=gettext_lazy("Decision to suspend a benefit"),
            title="中止发放抚恤补助决定书",
            template="letters/pdf/benefit_status.html",
            snapshot=suspension_snapshot,
            one_in_force_among=(SUSPENSION_DECISION, REJECTION),
            supersede_permission=kinds.APPROVE,
            on_issued=decision_letter_issued,
        ),
        kinds.LetterKind(
            code=RESUMPTION_DECISION,
            label=gettext_lazy("Decision to resume a benefit"),
            title="恢复发放抚恤补助决定书",
            template="letters/pdf/benefit_status.html",
            snapshot=resumption_snapshot,
            one_in_force_among=(RESUMPTION_DECISION, REJECTION),
            supersede_permission=kinds.APPROVE,
            on_issued=decision_letter_issued,
        ),
        kinds.LetterKind(
            code=CANCELLATION_DECISION,
            label=gettext_lazy("Decision to cancel a benefit"),
            title="取消抚恤优待资格决定书",
            template="letters/pdf/benefit_status.html",
            snapshot=cancellation_snapshot,
            one_in_force_among=(CANCELLATION_DECISION, REJECTION),
            supersede_permission=kinds.APPROVE,
            on_issued=decision_letter_issued,
        ),
        kinds.LetterKind(
            code=RECOVERY_DECISION,
            label=gettext_lazy("Decision on an overpayment"),
            title="追缴多发抚恤补助决定书",
            template="letters/pdf/benefit_status.html",
            snapshot=recovery_snapshot,
            one_in_force_among=(RECOVERY_DECISION, REJECTION),
            supersede_permission=kinds.APPROVE,
            on_issued=decision_letter_issued,
        ),
    ):
        kinds.register_kind(kind)
