"""Demo cases in every resting state, walked through the real actions (idempotent).

Needs the demo users of ``seed_demo`` and some subjects in the demo counties. Approved
cases are applied and closed in the approval's own transaction, so "approved" and
"applied" show in the timelines of the closed cases rather than as resting states.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from cases import actions
from cases.models import Case, Kind
from jurisdictions.models import Department
from subjects.models import Subject

COUNTY_A, COUNTY_B = "440106", "440104"
DEMO_MARK = "【演示】"

PS, CA = Department.PUBLIC_SECURITY, Department.CIVIL_AFFAIRS


class Command(BaseCommand):
    help = "Add demo cases in every state (running it twice adds nothing)."

    def handle(self, *args: Any, **options: Any) -> None:
        if Case.objects.filter(title__startswith=DEMO_MARK).exists():
            if options["verbosity"]:
                self.stdout.write("demo cases: already there")
            return
        try:
            users = {
                u.username: u
                for u in User.objects.filter(
                    username__in=[
                        "caseworker",
                        "liaison_ps",
                        "liaison_ca",
                        "approver",
                        "caseworker_b",
                    ]
                )
            }
            cw, ps, ca, ap, cw_b = (
                users[n] for n in ("caseworker", "liaison_ps", "liaison_ca", "approver", "caseworker_b")
            )
        except KeyError as exc:
            raise CommandError(f"demo user {exc} is missing; run seed_demo first") from None
        people = list(Subject.objects.filter(county_code=COUNTY_A).order_by("id")[:12])
        people_b = list(Subject.objects.filter(county_code=COUNTY_B).order_by("id")[:1])
        if len(people) < 12 or not people_b:
            raise CommandError("the demo counties need subjects first (seed_demo generates them)")
        liaison: dict[str, Any] = {PS: ps, CA: ca}

        def file(person: Any, kind: str, title: str, departments: tuple[str, ...] = (PS, CA), **kw: Any) -> Case:
            if kind == Kind.BENEFIT_CLAIM:
                kw.setdefault("benefit_type", "state_subsidy")
                kw.setdefault("benefit_change", "add")
                kw.setdefault("benefit_amount", "350.00")
                kw.setdefault("benefit_start", dt.date(2026, 1, 1))
            return actions.do_file_case(
                person,
                kind=kind,
                title=DEMO_MARK + title,
                actor=kw.pop("actor", cw),
                departments=departments,
                duplicate_action="continue",
                description="演示数据",
                **kw,
            )

        def task(case: Case, node: str) -> Any:
            from viewflow.workflow.models import Task

            return next(
                t
                for t in Task.objects.filter(process_id=case.process_id, status__in=["NEW", "ASSIGNED"])
                if t.flow_task.name == node
            )

        def intake(case: Case) -> Case:
            return actions.do_review_intake(task(case, "intake"), actor=cw)

        def verify(case: Case, department: str, result: str = "confirmed") -> None:
            note = "" if result == "confirmed" else "户籍信息与申报不符"
            actions.do_record_verification(
                task(case, f"verify_{department}"), actor=liaison[department], result=result, note=note
            )

        def verified(case: Case) -> Case:
            for department in case.departments:
                verify(case, department)
            return Case.objects.get(pk=case.pk)

        def decide(case: Case, decision: str, reasons: str = "") -> Case:
            return actions.do_decide(
                task(case, "approve"),
                actor=ap,
                decision=decision,
                reasons=reasons,
                legal_basis="《军人抚恤优待条例》",
            )

        p = iter(people)
        file(next(p), Kind.BENEFIT_CLAIM, "申请定期抚恤补助（待受理）")
        file(
            next(p),
            Kind.GRIEVANCE,
            "退役安置遗留问题（待受理）",
            channel="home_visit",
            agent_name="王小红",
            agent_relation="女儿",
            agent_contact="13800000000",
        )
        verifying = intake(file(next(p), Kind.BENEFIT_CLAIM, "申请最低生活保障（核查中）", benefit_type="dibao"))
        verify(verifying, PS)
        verified(
            intake(
                file(next(p), Kind.BENEFIT_CLAIM, "申请残疾人两项补贴（待审批）", benefit_type="disability_subsidies")
            )
        )
        returned = intake(
            file(
                next(p),
                Kind.DATA_CORRECTION,
                "更正联系电话（退回补正）",
                corrections={"phone": "13900000000"},
                evidence="本人身份证及户口簿",
            )
        )
        verify(returned, PS, "disputed")
        verify(returned, CA)
        decide(verified(intake(file(next(p), Kind.BENEFIT_CLAIM, "申请国家抚恤（已批准并更新数据库）"))), "approve")
        decide(
            verified(
                intake(
                    file(
                        next(p),
                        Kind.DATA_CORRECTION,
                        "更正服役部队（已批准）",
                        departments=(PS,),
                        corrections={"service_unit": "某部队"},
                        evidence="退伍证",
                    )
                )
            ),
            "approve",
        )
        rejected = decide(
            verified(intake(file(next(p), Kind.BENEFIT_CLAIM, "申请定期补助（不予批准）"))), "reject", "不符合申领条件"
        )
        file(rejected.subject, Kind.RECONSIDERATION, "对不予批准决定申请复议", contested_case=rejected)
        withdrawn = intake(file(next(p), Kind.GRIEVANCE, "住房困难诉求（已撤回）", departments=(CA,)))
        actions.do_withdraw_case(withdrawn, actor=cw, reason="本人申请撤回")
        file(people_b[0], Kind.GRIEVANCE, "越秀区诉求（其他辖区）", actor=cw_b, departments=(PS,))
        if options["verbosity"]:
            self.stdout.write(f"demo cases: {Case.objects.filter(title__startswith=DEMO_MARK).count()} filed")
