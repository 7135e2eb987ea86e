"""Maker-checker and recusal: refused with a clear message, and the refusal audited."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from audit.models import AuditEvent
from cases import actions, policy
from subjects.ids import blind_index

from .conftest import open_task

pytestmark = pytest.mark.django_db


def test_the_filer_cannot_approve(file_case, walk, make_user):
    both = make_user("both", "caseworker")
    from jurisdictions.actions import do_grant_membership
    from jurisdictions.models import Division

    do_grant_membership(both, division=Division.objects.get(code="440106"), role="approver", actor=None)
    case = walk.verify_all(walk.intake(file_case(actor=both)))
    with pytest.raises(PermissionDenied, match="经办与审批分离"):
        policy.require_may_act(both, case, action="approve", approving=True)
    assert AuditEvent.objects.filter(event_type="case.refused", object_id=str(case.pk)).get().data["rule"] == (
        policy.FILER_APPROVES
    )
    with pytest.raises(PermissionDenied):
        actions.do_decide(open_task(case, "approve"), actor=both, decision="approve")


def test_a_verifier_cannot_approve(file_case, walk, liaison_ps):
    from jurisdictions.actions import do_grant_membership
    from jurisdictions.models import Division

    do_grant_membership(liaison_ps, division=Division.objects.get(code="440106"), role="approver", actor=None)
    case = walk.verify_all(walk.intake(file_case()))
    found = policy.refusal(liaison_ps, case, approving=True)
    assert found is not None and found[0] == policy.VERIFIER_APPROVES
    assert policy.refusal(liaison_ps, case, approving=False) is None


def test_nobody_acts_on_a_case_about_themselves(file_case, subject, approver, walk):
    case = walk.verify_all(walk.intake(file_case()))
    approver.id_number_hmac = subject.id_number_hmac
    approver.save()
    with pytest.raises(PermissionDenied, match="回避"):
        policy.require_may_act(approver, case, action="complete:approve", approving=True)
    assert AuditEvent.objects.filter(event_type="case.refused", actor=approver).exists()


def test_filing_about_oneself_is_refused_and_audited(subject, caseworker):
    caseworker.id_number_hmac = subject.id_number_hmac
    with pytest.raises(PermissionDenied):
        policy.require_not_own_subject(caseworker, subject, action="file")
    assert AuditEvent.objects.filter(event_type="case.refused", object_type="subjects.subject").exists()


def test_someone_else_is_not_refused(file_case, walk, approver):
    case = walk.verify_all(walk.intake(file_case()))
    approver.id_number_hmac = blind_index("11010519491231002X")
    assert policy.refusal(approver, case, approving=True) is None
