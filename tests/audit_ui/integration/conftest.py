"""Cross-app checks drive real cases through the cases app's actions, with its test fixtures."""

from tests.cases.conftest import (  # noqa: F401 -- pytest finds fixtures by name
    approver,
    file_case,
    liaison_ca,
    liaison_ps,
    make_subject,
    subject,
    walk,
)
