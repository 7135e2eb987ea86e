"""``seed_demo_cases`` needs the demo roles and subjects: the cases tests' fixtures."""

from tests.cases.conftest import (  # noqa: F401 -- pytest finds fixtures by name
    approver,
    liaison_ca,
    liaison_ps,
    make_subject,
)
