"""Demo data on a real province › city › two counties (idempotent): users and memberships,
synthetic people in the two counties (``generate_subjects``), then ``seed_demo_cases``, and the
policy articles the product cites (``load_policy_articles`` of the shipped ``policies/data/articles.csv``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.actions import do_create_staff_user, do_drop_superuser, do_set_password
from accounts.models import User
from jurisdictions.actions import do_grant_membership, do_place_staff
from jurisdictions.models import Department, Division, Role
from policies.data import SHIPPED_ARTICLES
from subjects.models import Subject

PROVINCE, CITY, COUNTY_A, COUNTY_B = "44", "4401", "440106", "440104"  # 广东省 › 广州市 › 天河区 / 越秀区

# username, full name, role, department, division
DEMO_USERS: list[tuple[str, str, str, str, str]] = [
    ("caseworker", "张经办", Role.CASEWORKER, "", COUNTY_A),
    ("liaison_ps", "李公安", Role.LIAISON, Department.PUBLIC_SECURITY, COUNTY_A),
    ("liaison_ca", "王民政", Role.LIAISON, Department.CIVIL_AFFAIRS, COUNTY_A),
    ("approver", "赵审批", Role.APPROVER, "", COUNTY_A),
    ("supervisor", "陈督导", Role.SUPERVISOR, "", CITY),
    ("auditor", "刘审计", Role.AUDITOR, "", COUNTY_A),
    ("admin", "周管理", Role.ADMIN, "", COUNTY_A),  # security administrator
    ("sysadmin", "吴系统", Role.SYSADMIN, "", COUNTY_A),  # system administrator
    ("caseworker_b", "孙经办", Role.CASEWORKER, "", COUNTY_B),
]


class Command(BaseCommand):
    help = "Create the demo users and memberships (running it twice duplicates nothing)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not Division.objects.filter(code=COUNTY_A).exists():
            call_command("load_divisions", verbosity=options["verbosity"])
        for code in (PROVINCE, CITY, COUNTY_A, COUNTY_B):
            if not Division.objects.filter(code=code).exists():
                raise CommandError(f"division {code} is missing; run load_divisions")
        password = settings.LAUREL_DEMO_PASSWORD
        for username, full_name, role, department, code in DEMO_USERS:
            user = User.objects.filter(username=username).first()
            if user is None:
                # Nobody is a Django superuser: a superuser would pass every check and reach /admin/,
                # beside the separation of the three administrators (admin: security, sysadmin: system).
                user = do_create_staff_user(username, password=password, full_name=full_name, is_demo=True, actor=None)
            else:
                if not user.check_password(password):
                    do_set_password(user, password=password, actor=None)
                do_drop_superuser(user, actor=None)  # an older demo made ``admin`` a superuser
            division = Division.objects.get(code=code)
            do_place_staff(user, division=division, actor=None)
            do_grant_membership(user, division=division, role=role, department=department, actor=None)
        self.stdout.write(self.style.SUCCESS("Demo users (password: DEMO_PASSWORD, default laurel-demo):"))
        for username, full_name, role, department, code in DEMO_USERS:
            division = Division.objects.get(code=code)
            label = f"{role}{'/' + department if department else ''}"
            self.stdout.write(f"  {username:<14} {full_name}  {label:<26} {division.name} ({code})")
        # Subjects (subjects app): a few hundred synthetic people per demo county; a rerun adds nobody.
        for code in (COUNTY_A, COUNTY_B):
            if Subject.objects.filter(county_code=code).count() < 300:
                call_command("generate_subjects", count=300, division=code, seed=int(code), verbosity=0)
        # Cases (cases app): demo cases in every state, walked through the real actions.
        call_command("seed_demo_cases", verbosity=options["verbosity"])
        # Policy base (policies app): the shipped summaries (摘要) of the cited articles; a rerun adds nothing.
        call_command("load_policy_articles", str(SHIPPED_ARTICLES), verbosity=0)
        # Benefits (benefits app): the sample standards (示例), and a few benefits paid in county A.
        _seed_benefits()


def _seed_benefits() -> None:
    """Load the shipped sample standards; in county A, award four statutory benefits six months ago
    (amounts by rule, monthly lines), record a death after two months were overpaid (funeral grant,
    recovery item) and suspend one for an overdue confirmation. A rerun adds nothing."""
    import datetime as dt

    from benefits import actions as benefit_actions
    from benefits import rules
    from benefits.data import SHIPPED_STANDARDS
    from benefits.loading import do_load_benefit_standards
    from benefits.models import Entitlement
    from subjects.models import BenefitType, Category

    do_load_benefit_standards(SHIPPED_STANDARDS, actor=None)
    if Entitlement.objects.filter(county_code=COUNTY_A).exists() or not rules.samples_allowed():
        return
    people = list(Subject.objects.filter(county_code=COUNTY_A, status="active").order_by("pk")[:4])
    if len(people) < 4:
        return
    today = timezone.localdate()
    approved = rules.add_months(rules.month_of(today), -6)
    survivor, veteran, carer, subsidised = people
    if survivor.category != Category.MARTYR_SURVIVOR:
        Subject.objects.filter(pk=survivor.pk).update(category=Category.MARTYR_SURVIVOR)
        survivor.refresh_from_db()
    pension = benefit_actions.do_award_benefit(
        survivor, benefit_type=BenefitType.PERIODIC_PENSION, approved_on=approved, actor=None, source_ref="示例"
    )
    benefit_actions.do_award_benefit(
        veteran, benefit_type=BenefitType.DISABILITY_PENSION, grade="4", cause="war", approved_on=approved, actor=None
    )
    benefit_actions.do_award_benefit(
        carer, benefit_type=BenefitType.CARE_ALLOWANCE, care_level="2", approved_on=approved, actor=None
    )
    subsidy = benefit_actions.do_award_benefit(
        subsidised, benefit_type=BenefitType.LIVING_SUBSIDY, war_veteran=True, approved_on=approved, actor=None
    )
    benefit_actions.do_record_death(
        pension.subject,
        died_on=rules.add_months(rules.month_of(today), -2) + dt.timedelta(days=9),
        survivor="家属（示例）",
        actor=None,
        source_ref="示例",
    )
    benefit_actions.do_suspend_overdue([subsidy])
