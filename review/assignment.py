"""Automatic assignment of commission reviewers to dossiers (pure: no database, no Flask).

The caller loads the eligible dossiers, the call's commission members, the declared conflicts and
the assignments that already exist, turns them into the plain values below, and persists the
returned plan. Nothing here reads or writes anything else.

Rules (from the call's specification):

* every dossier gets ``n`` reviewers (``n`` set per call, at least 2), at least one from the State
  (rectorat) and one from the Région;
* a reviewer who belongs to the dossier's establishment, or who declared a conflict with the
  dossier, is never assigned to it (*hard conflict*);
* a reviewer whose establishment is in the same FOQUALE network as the dossier's establishment is a
  *suspected* conflict: flagged to the administrator (:func:`suspected_conflicts`) and, by default,
  not assigned either;
* the load (number of dossiers per reviewer, existing assignments included) is kept balanced;
* existing assignments (manual ones included) are kept: the dossiers are only topped up, and a
  (reviewer, dossier) pair is never produced twice.

Identifiers are whatever the caller uses (database ids); they must be hashable and mutually
comparable, because ties are always broken by id so that the result depends only on the input
values, never on the order of the input sequences.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from fractions import Fraction

from portal.models import INSTITUTION_SHORT_LABELS  # keyed by Institution, a str enum

STATE = "state"
REGION = "region"
INSTITUTIONS = (STATE, REGION)

REASON_SAME_ESTABLISHMENT = "Instructeur membre de l'établissement"
REASON_SAME_NETWORK = "Même réseau FOQUALE que l'établissement de l'instructeur"

MIN_REVIEWERS = 2
TOO_FEW_REVIEWERS = "Il faut au moins 2 instructeurs par dossier."

Id = Hashable
Pair = tuple[Id, Id]  # (reviewer_id, dossier_id)


@dataclass(frozen=True)
class DossierRef:
    """A dossier to review: its id, its establishment and that establishment's FOQUALE network."""

    id: Id
    establishment_id: Id
    network_id: Id | None = None


@dataclass(frozen=True)
class ReviewerRef:
    """A commission member: institution ("state" or "region"), and their own establishment (if any)
    with its FOQUALE network (if any)."""

    id: Id
    institution: str
    establishment_id: Id | None = None
    network_id: Id | None = None


@dataclass(frozen=True)
class Suspicion:
    """A (reviewer, dossier) pair the administrator should look at before assigning."""

    reviewer_id: Id
    dossier_id: Id
    reason: str


@dataclass(frozen=True)
class AssignmentPlan:
    """The outcome of :func:`assign`.

    * ``pairs``: the NEW (reviewer_id, dossier_id) pairs to create, sorted by (dossier, reviewer);
      none of them is in ``existing`` and none is a conflict.
    * ``loads``: for every reviewer given, the number of assignments they would have once the plan
      is applied (``existing`` pairs of that reviewer, whatever the dossier, plus new pairs).
    * ``shortfalls``: (dossier_id, message in French) for each dossier that could not be fully
      served, sorted by dossier id; empty when every dossier got what the rules ask.
    * ``conflicted_existing``: existing pairs that are hard conflicts (e.g. a conflict declared
      after a manual assignment), sorted; they are not counted toward their dossier's reviewers
      (so the dossier is topped up without them) and the caller should remove them.
    """

    pairs: list[Pair] = field(default_factory=list)
    loads: dict[Id, int] = field(default_factory=dict)
    shortfalls: list[tuple[Id, str]] = field(default_factory=list)
    conflicted_existing: list[Pair] = field(default_factory=list)


def is_conflicted(
    reviewer: ReviewerRef, dossier: DossierRef, declared: Iterable[Pair] = frozenset()
) -> bool:
    """True when the reviewer may never be assigned to the dossier (hard conflict): they belong to
    the dossier's establishment, or (reviewer.id, dossier.id) is among the declared conflicts."""
    if (
        reviewer.establishment_id is not None
        and reviewer.establishment_id == dossier.establishment_id
    ):
        return True
    if not isinstance(declared, (set, frozenset)):
        declared = frozenset(declared)
    return (reviewer.id, dossier.id) in declared


def is_suspected(
    reviewer: ReviewerRef, dossier: DossierRef, declared: Iterable[Pair] = frozenset()
) -> bool:
    """True when the pair is a suspected conflict and not a hard one: the reviewer's establishment
    is in the dossier establishment's FOQUALE network (both networks known)."""
    return (
        reviewer.network_id is not None
        and reviewer.network_id == dossier.network_id
        and not is_conflicted(reviewer, dossier, declared)
    )


def suspected_conflicts(
    reviewers: Iterable[ReviewerRef],
    dossiers: Iterable[DossierRef],
    declared: Iterable[Pair] = frozenset(),
) -> list[Suspicion]:
    """The pairs to flag to the administrator before assignment, sorted by (dossier, reviewer).

    At most one entry per pair:

    * the reviewer belongs to the dossier's establishment → ``REASON_SAME_ESTABLISHMENT`` (a hard
      conflict, never assignable; listed so the administrator sees why);
    * otherwise, if the pair is not a declared conflict (already known and already excluded) and
      the reviewer's establishment is in the dossier's FOQUALE network → ``REASON_SAME_NETWORK``.

    Declared conflicts themselves are not listed.
    """
    declared = frozenset(declared)
    reviewers = list(reviewers)
    found = []
    for dossier in dossiers:
        for reviewer in reviewers:
            if (
                reviewer.establishment_id is not None
                and reviewer.establishment_id == dossier.establishment_id
            ):
                found.append(Suspicion(reviewer.id, dossier.id, REASON_SAME_ESTABLISHMENT))
            elif is_suspected(reviewer, dossier, declared):
                found.append(Suspicion(reviewer.id, dossier.id, REASON_SAME_NETWORK))
    found.sort(key=lambda s: (s.dossier_id, s.reviewer_id))
    return found


def _unique_by_id(items, what):
    by_id = {}
    for item in items:
        if item.id in by_id:
            raise ValueError(f"{what} en double : {item.id}.")
        by_id[item.id] = item
    return by_id


def assign(
    dossiers: Iterable[DossierRef],
    reviewers: Iterable[ReviewerRef],
    n: int,
    declared: Iterable[Pair] = frozenset(),
    existing: Iterable[Pair] = frozenset(),
    avoid_suspected: bool = True,
) -> AssignmentPlan:
    """Top every dossier up to ``n`` reviewers, one of each institution at least, load balanced.

    Guarantees:

    * ``n < 2`` raises ``ValueError("Il faut au moins 2 instructeurs par dossier.")``, a non-int
      ``n`` raises ``TypeError``; duplicate dossier or reviewer ids, or an institution other than
      "state"/"region", raise ``ValueError``.
    * No new pair is a hard conflict (:func:`is_conflicted`); with ``avoid_suspected`` (default)
      no new pair is a suspected conflict either. With ``avoid_suspected=False`` a suspected
      reviewer is picked only when no unsuspected eligible reviewer is left for that slot.
    * Existing pairs are kept and never produced again. Those with a reviewer not in ``reviewers``
      are ignored (that person is no longer available); hard-conflicted ones are reported in
      ``conflicted_existing`` and do not count toward their dossier. The other existing pairs count
      toward their dossier's total and institutions, even if they are suspected (a manual choice).
    * For each dossier, a missing institution is covered first, then the dossier is filled up to
      ``n`` reviewers. If an institution has no eligible reviewer, one slot per missing institution
      is left empty (the dossier is not filled with the other institution beyond ``n`` minus that),
      so that fixing the problem later gives exactly ``n``. A dossier already holding ``n`` or more
      reviewers gets nothing, except one reviewer of an institution it lacks.
    * Consequently, with no existing pairs: a dossier gets exactly ``n`` reviewers with both
      institutions if and only if it has at least ``n`` eligible reviewers and at least one per
      institution; there is no reviewer capacity, so one dossier never takes what another needs.
      Otherwise ``shortfalls`` says why, in French, e.g. "Dossier 12 : aucun instructeur Région sans
      conflit d'intérêts disponible.".
    * Each pick takes the eligible reviewer with the lowest current load; ties go to the
      institution whose members carry the lower mean load, then to the lowest id. Dossiers are
      processed most-constrained first (fewest eligible reviewers in their scarcer institution,
      then fewest eligible reviewers, then id). Hence, without conflicts or existing pairs, loads
      differ by at most one within each institution, and by at most one overall whenever the
      institution rule allows it (it does not when, say, a single State reviewer must sit on every
      dossier; tests/review/test_assignment.py checks this against an exact feasibility test).
    * Deterministic: the result depends only on the input values, not on the order of the inputs.
    """
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError("Le nombre d'instructeurs par dossier est un entier.")
    if n < MIN_REVIEWERS:
        raise ValueError(TOO_FEW_REVIEWERS)
    dossier_by_id = _unique_by_id(dossiers, "Dossier")
    reviewer_by_id = _unique_by_id(reviewers, "Instructeur")
    for reviewer in reviewer_by_id.values():
        if reviewer.institution not in INSTITUTIONS:
            raise ValueError(
                f"Institution inconnue pour l'instructeur {reviewer.id} : {reviewer.institution!r}."
            )
    declared = frozenset(declared)
    existing = frozenset(existing)

    loads = {rid: 0 for rid in reviewer_by_id}
    on_dossier = {did: set() for did in dossier_by_id}  # valid existing + new reviewers
    conflicted_existing = []
    for rid, did in existing:
        if rid not in reviewer_by_id:
            continue
        loads[rid] += 1
        if did not in dossier_by_id:
            continue
        if is_conflicted(reviewer_by_id[rid], dossier_by_id[did], declared):
            conflicted_existing.append((rid, did))
        else:
            on_dossier[did].add(rid)

    # Candidates per dossier: eligible and not already on it (a conflicted existing pair is not
    # eligible anyway); the suspected flag is kept for the last-resort rule.
    ordered_reviewers = sorted(reviewer_by_id.values(), key=lambda r: r.id)
    candidates = {}
    for did, dossier in dossier_by_id.items():
        pool = []
        for reviewer in ordered_reviewers:
            if reviewer.id in on_dossier[did] or is_conflicted(reviewer, dossier, declared):
                continue
            suspected = is_suspected(reviewer, dossier, declared)
            if suspected and avoid_suspected:
                continue
            pool.append((reviewer, suspected))
        candidates[did] = pool

    def constraint(did):
        pool = candidates[did]
        per_institution = min(
            sum(1 for r, _ in pool if r.institution == inst) for inst in INSTITUTIONS
        )
        return (per_institution, len(pool), did)

    # Among equally loaded reviewers, prefer the institution whose members are less loaded on
    # average: the institution rule forces one pick per institution and per dossier, which weighs
    # more on the smaller institution, and the free picks compensate for it.
    institution_size = {inst: 0 for inst in INSTITUTIONS}
    institution_load = {inst: 0 for inst in INSTITUTIONS}
    for reviewer in reviewer_by_id.values():
        institution_size[reviewer.institution] += 1
        institution_load[reviewer.institution] += loads[reviewer.id]

    def mean_load(institution):
        return Fraction(institution_load[institution], institution_size[institution])

    new_pairs = []
    shortfalls = []
    for did in sorted(dossier_by_id, key=constraint):
        pool = candidates[did]
        chosen = on_dossier[did]

        def pick(institution=None, pool=pool, chosen=chosen, did=did):  # this dossier's
            best = None
            for reviewer, suspected in pool:
                if reviewer.id in chosen or (institution and reviewer.institution != institution):
                    continue
                key = (suspected, loads[reviewer.id], mean_load(reviewer.institution), reviewer.id)
                if best is None or key < best[0]:
                    best = (key, reviewer)
            if best is None:
                return False
            reviewer = best[1]
            chosen.add(reviewer.id)
            loads[reviewer.id] += 1
            institution_load[reviewer.institution] += 1
            new_pairs.append((reviewer.id, did))
            return True

        present = {reviewer_by_id[rid].institution for rid in chosen}
        unavailable = []
        for institution in INSTITUTIONS:
            if institution not in present and not pick(institution):
                unavailable.append(institution)
        target = n - len(unavailable)
        while len(chosen) < target and pick():
            pass
        for institution in unavailable:
            label = INSTITUTION_SHORT_LABELS[institution]
            shortfalls.append(
                (
                    did,
                    f"Dossier {did} : aucun instructeur {label} sans conflit "
                    "d'intérêts disponible.",
                )
            )
        if len(chosen) < target:
            count = len(chosen)
            shortfalls.append(
                (
                    did,
                    f"Dossier {did} : {count} instructeur{'s' if count > 1 else ''} "
                    f"sur {n} requis ; pas assez d'instructeurs sans conflit "
                    "d'intérêts disponibles.",
                )
            )

    new_pairs.sort(key=lambda p: (p[1], p[0]))
    shortfalls.sort(key=lambda s: s[0])  # stable: per dossier, institutions first, then count
    conflicted_existing.sort(key=lambda p: (p[1], p[0]))
    return AssignmentPlan(
        pairs=new_pairs, loads=loads, shortfalls=shortfalls, conflicted_existing=conflicted_existing
    )
