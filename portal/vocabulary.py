"""The portal's shared vocabulary: roles, institutions, kinds of establishment, fields,
départements of the académie. Re-exported by `portal.models`, where most code imports them."""

from __future__ import annotations

from .enums import LabelledEnum, labels


class Role(LabelledEnum):
    applicant_staff = "applicant_staff", "Personnel d'établissement"
    applicant_head = "applicant_head", "Chef d'établissement"
    reviewer = "reviewer", "Instructeur"
    copilot = "copilot", "Co-pilote"
    call_admin = "call_admin", "Gestionnaire de l'appel à projets"
    budget_officer = "budget_officer", "Gestionnaire budgétaire"
    observer = "observer", "Observateur"
    coordinator = "coordinator", "Coordonnateur MLDS"
    admin = "admin", "Administrateur"


ROLE_LABELS = labels(Role)

# Roles that act for one institution: the grant must say which.
INSTITUTIONAL_ROLES = {Role.reviewer, Role.copilot, Role.call_admin, Role.budget_officer}


class Institution(LabelledEnum):
    state = "state", "État (rectorat)"
    region = "region", "Région"


INSTITUTION_LABELS = labels(Institution)
INSTITUTION_SHORT_LABELS = {Institution.state: "État", Institution.region: "Région"}


class EstablishmentKind(LabelledEnum):
    college = "college", "Collège"
    lgt = "lgt", "Lycée général et technologique"
    lp = "lp", "Lycée professionnel"
    lpo = "lpo", "Lycée polyvalent"
    erea = "erea", "EREA"
    lycee_agricole = "lycee_agricole", "Lycée agricole"
    lycee_prive = "lycee_prive", "Lycée privé sous contrat"
    mfr = "mfr", "Maison familiale et rurale"


KIND_LABELS = labels(EstablishmentKind)
# Kinds run by a managing body (organisme gestionnaire), which is the legal beneficiary.
MANAGED_KINDS = frozenset({EstablishmentKind.lycee_prive, EstablishmentKind.mfr})

FIELDS = {
    "prevention": "Prévention",
    "intervention": "Intervention",
    "remediation": "Remédiation",
}

ACADEMY_DEPARTMENTS = {
    "16": "Charente",
    "17": "Charente-Maritime",
    "79": "Deux-Sèvres",
    "86": "Vienne",
}
