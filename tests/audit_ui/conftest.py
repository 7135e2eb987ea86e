"""The auditor's workspace uses the audit tests' fixtures: keys in a temporary directory, auditors."""

from tests.audit.conftest import (  # noqa: F401 -- pytest finds fixtures by name
    audit_paths,
    auditor,
    auditor_city,
    auditor_other_province,
    county_a,
    signing_keys,
    tamper,
    web_as,
)
