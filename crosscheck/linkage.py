"""Linkage without a shared ID: department rows whose ID number is missing or wrong, matched to the register.

A department row is checked against the register by its ID number's blind index. Rows whose ID number
is missing or invalid but that name a person (name and birth date) are kept as
:class:`~crosscheck.models.UnidentifiedRow`. This module links them to people of the register with
Splink (a Fellegi–Sunter model), run on an **in-memory DuckDB whose spilling to disk is switched off**,
so no personal data lands in temporary files:

- comparisons: name (equal / Jaro–Winkler ≥ 0.92 / ≥ 0.80), birth date (equal / one or two characters apart, a
  typed digit), sex and county (equal); blocking on equal birth date or equal name, so only people who
  share one of them with a row are ever compared;
- m probabilities are fixed priors (below); u probabilities are estimated by random sampling with a fixed
  seed on that side; λ (the prior that a random pair matches) is one match per row among the pairs. The whole model
  (every level's m and u, λ, the blocking rules) is stored with each :class:`~crosscheck.models.LinkageRun`;
- a row whose best candidate reaches ``threshold`` (and no second candidate does) is **linked**: it becomes an
  ordinary :class:`~crosscheck.models.DatasetRow` of its batch under that person's blind index, so the next
  cross-check run checks it; candidates between ``review_from`` and ``threshold`` (or several above it) wait
  for a person to decide on the linkage-run page (:func:`do_decide_candidate`).

The register's side is everyone of the counties the rows name (for rows that name none, the people of the
batch's coverage who share a birth date or a name with one of them).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Actor, staff_or_none
from audit.log import audited, record
from core.errors import Conflict
from subjects.models import Subject

from .models import (
    CandidateStatus,
    DatasetBatch,
    DatasetRow,
    LinkageRun,
    LinkCandidate,
    UnidentifiedRow,
    UnidentifiedStatus,
)

DEFAULT_THRESHOLD = 0.95
DEFAULT_REVIEW_FROM = 0.80
SEED = 20260401
# How many candidates of one row are kept for review (the best first).
REVIEW_CANDIDATES = 3

# m probabilities (the share of true matches at each level, best level first, the "else" level last).
M_NAME = [0.80, 0.08, 0.07, 0.05]
M_BIRTH = [0.90, 0.07, 0.02, 0.01]
M_SEX = [0.98, 0.02]
M_COUNTY = [0.80, 0.20]


def check_bounds(threshold: float, review_from: float) -> None:
    """Refuse an impossible threshold (outside 0–1) or a review band that reaches into the auto-link band."""
    errors: dict[str, str] = {}
    if not 0 < threshold <= 1:
        errors["threshold"] = _("Auto-link threshold: a probability above 0 and at most 1 (for example 0.95).")
    if not 0 < review_from <= 1:
        errors["review_from"] = _("Review from: a probability above 0 and at most 1 (for example 0.80).")
    elif not errors and review_from >= threshold:
        errors["review_from"] = _(
            "Review from: the review band must lie below the auto-link threshold (%(high)s), not reach into it."
        ) % {"high": threshold}
    if errors:
        raise ValidationError(errors)


def _settings(lam: float) -> Any:
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    return SettingsCreator(
        link_type="link_only",
        unique_id_column_name="unique_id",
        comparisons=[
            cl.JaroWinklerAtThresholds("name", [0.92, 0.80]).configure(m_probabilities=M_NAME),
            cl.DamerauLevenshteinAtThresholds("birth_date", [1, 2]).configure(m_probabilities=M_BIRTH),
            cl.ExactMatch("sex").configure(m_probabilities=M_SEX),
            cl.ExactMatch("county_code").configure(m_probabilities=M_COUNTY),
        ],
        blocking_rules_to_generate_predictions=[block_on("birth_date"), block_on("name")],
        probability_two_random_records_match=lam,
        retain_intermediate_calculation_columns=False,
    )


def _connection() -> Any:
    import duckdb

    con = duckdb.connect(":memory:")
    con.execute("SET temp_directory = ''")  # never spill personal data to disk
    return con


def score_pairs(left: list[dict[str, Any]], right: list[dict[str, Any]], *, review_from: float) -> tuple[Any, dict]:
    """Splink's predictions (``unique_id_l`` left, ``unique_id_r`` right, weight, probability ≥ ``review_from``)
    and the model used. ``left`` and ``right``: dicts with unique_id, name, birth_date (ISO), sex, county_code."""
    import pandas as pd
    from splink import DuckDBAPI, Linker

    columns = ["unique_id", "name", "birth_date", "sex", "county_code"]
    left_df = pd.DataFrame(left, columns=columns)
    right_df = pd.DataFrame(right, columns=columns)
    pairs = max(len(left) * len(right), 1)
    lam = min(max(min(len(left), len(right)) / pairs, 1e-9), 0.5)
    linker = Linker([left_df, right_df], _settings(lam), db_api=DuckDBAPI(connection=_connection()))
    if len(left) * len(right) > 1:
        linker.training.estimate_u_using_random_sampling(max_pairs=min(pairs, 1_000_000), seed=SEED)
    predictions = linker.inference.predict(threshold_match_probability=review_from).as_pandas_dataframe()
    model = linker.misc.save_model_to_json()
    return predictions, model


def _register_side(rows: list[UnidentifiedRow], coverage: str) -> list[dict[str, Any]]:
    """Everyone of the counties the rows name (so that u is estimated on the register as it is), and, for rows
    naming no county, the people of the batch's coverage who share a birth date or a name with one of them."""
    counties = sorted({r.county_code for r in rows if r.county_code})
    place = Q(county_code__in=counties) if counties else Q(pk__in=[])
    if any(not r.county_code for r in rows):
        loose = [r for r in rows if not r.county_code]
        shared = Q(birth_date__in=sorted({r.birth_date for r in loose})) | Q(name__in=sorted({r.name for r in loose}))
        place |= (Q(division_id__startswith=coverage) & shared) if coverage else shared
    people = Subject.objects.filter(place, merged_into__isnull=True).values_list(
        "pk", "name", "birth_date", "sex", "county_code"
    )
    return [
        {"unique_id": pk, "name": name, "birth_date": born.isoformat(), "sex": sex, "county_code": county}
        for pk, name, born, sex, county in people.iterator(chunk_size=5000)
    ]


def _link(row: UnidentifiedRow, subject: Subject) -> None:
    """The row becomes an ordinary staged row of its batch, keyed by the person's blind index."""
    DatasetRow.objects.create(
        batch_id=row.batch_id,
        row_number=row.row_number,
        id_hmac=subject.id_number_hmac,
        id_masked=subject.id_number_masked,
        **row.values,
    )
    row.status = UnidentifiedStatus.LINKED
    row.subject = subject
    row.save(update_fields=["status", "subject"])


@audited
def do_link_records(
    batch: DatasetBatch,
    *,
    actor: Actor,
    threshold: float = DEFAULT_THRESHOLD,
    review_from: float = DEFAULT_REVIEW_FROM,
) -> LinkageRun:
    """Link the batch's rows without a valid ID number to the register (see the module); one run, audited."""
    check_bounds(threshold, review_from)
    with transaction.atomic():
        locked = DatasetBatch.objects.select_for_update().get(pk=batch.pk)
        rows = list(UnidentifiedRow.objects.filter(batch=locked, status=UnidentifiedStatus.UNLINKED).order_by("pk"))
        if LinkCandidate.objects.filter(row__batch=locked, status=CandidateStatus.REVIEW).exists():
            raise Conflict(
                _("Candidates of an earlier linkage of this batch still await review: decide them first."),
                current_status="review",
            )
        run = LinkageRun.objects.create(
            batch=locked, threshold=threshold, review_from=review_from, started_by=staff_or_none(actor)
        )
        right = _register_side(rows, locked.coverage_code) if rows else []
        left = [
            {
                "unique_id": r.pk,
                "name": r.name,
                "birth_date": r.birth_date.isoformat(),
                "sex": r.sex or None,
                "county_code": r.county_code or None,
            }
            for r in rows
        ]
        by_row: dict[int, list[tuple[float, float, int]]] = defaultdict(list)
        model: dict[str, Any] = {}
        if left and right:
            predictions, model = score_pairs(left, right, review_from=review_from)
            for row_id, subject_id, weight, probability in predictions[
                ["unique_id_l", "unique_id_r", "match_weight", "match_probability"]
            ].itertuples(index=False):
                by_row[int(row_id)].append((float(probability), float(weight), int(subject_id)))
        subjects = Subject.objects.in_bulk({s for found in by_row.values() for _p, _w, s in found})
        counts = {"rows": len(rows), "register": len(right), "auto_linked": 0, "review": 0, "no_match": 0}
        candidates: list[LinkCandidate] = []
        for row in rows:
            found = sorted(by_row.get(row.pk, []), reverse=True)
            above = [f for f in found if f[0] >= threshold]
            if len(above) == 1:
                probability, weight, subject_id = above[0]
                _link(row, subjects[subject_id])
                candidates.append(
                    LinkCandidate(
                        run=run,
                        row=row,
                        subject_id=subject_id,
                        match_weight=weight,
                        match_probability=probability,
                        status=CandidateStatus.AUTO_LINKED,
                    )
                )
                counts["auto_linked"] += 1
            elif found:
                for probability, weight, subject_id in found[:REVIEW_CANDIDATES]:
                    candidates.append(
                        LinkCandidate(
                            run=run,
                            row=row,
                            subject_id=subject_id,
                            match_weight=weight,
                            match_probability=probability,
                            status=CandidateStatus.REVIEW,
                        )
                    )
                counts["review"] += 1
            else:
                counts["no_match"] += 1
        LinkCandidate.objects.bulk_create(candidates, batch_size=2000)
        run.model = model
        run.counts = counts
        run.finished_at = timezone.now()
        run.save(update_fields=["model", "counts", "finished_at"])
        record(
            event_type="crosscheck.linkage_run",
            actor=actor,
            obj=run,
            division_code=locked.coverage_code,
            data={"batch": locked.pk, "threshold": threshold, "review_from": review_from, **counts},
        )
    return run


@audited
def do_decide_candidate(candidate: LinkCandidate, *, actor: Actor, same_person: bool) -> LinkCandidate:
    """A person decides a candidate in the review band: the same person (the row is linked) or not."""
    with transaction.atomic():
        locked = LinkCandidate.objects.select_for_update().select_related("row", "subject").get(pk=candidate.pk)
        row = UnidentifiedRow.objects.select_for_update().get(pk=locked.row_id)
        if locked.status != CandidateStatus.REVIEW or row.status != UnidentifiedStatus.UNLINKED:
            raise Conflict(_("This candidate was already decided."), current_status=locked.status)
        now = timezone.now()
        if same_person:
            _link(row, locked.subject)
            locked.status = CandidateStatus.LINKED
            LinkCandidate.objects.filter(row=row, status=CandidateStatus.REVIEW).exclude(pk=locked.pk).update(
                status=CandidateStatus.SUPERSEDED, decided_by=staff_or_none(actor), decided_at=now
            )
        else:
            locked.status = CandidateStatus.REJECTED
        locked.decided_by = staff_or_none(actor)
        locked.decided_at = now
        locked.save(update_fields=["status", "decided_by", "decided_at"])
        if not same_person and not LinkCandidate.objects.filter(row=row, status=CandidateStatus.REVIEW).exists():
            row.status = UnidentifiedStatus.NO_MATCH
            row.save(update_fields=["status"])
        record(
            event_type="crosscheck.linkage_decided",
            actor=actor,
            obj=locked.run,
            division_code=locked.run.batch.coverage_code,
            data={"candidate": locked.pk, "row": row.row_number, "same_person": same_person},
        )
    return locked


def review_queue(run: LinkageRun) -> list[dict[str, Any]]:
    """The run's rows awaiting review, each with its candidates (best first)."""
    rows: dict[int, dict[str, Any]] = {}
    for c in run.candidates.filter(status=CandidateStatus.REVIEW).select_related("row", "subject"):
        entry = rows.setdefault(c.row_id, {"row": c.row, "candidates": []})
        entry["candidates"].append(c)
    return list(rows.values())
