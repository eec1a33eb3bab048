"""Permission-matrix entries of the outcomes area: the open data pages and API are public."""

from ..test_permission_matrix import EVERYONE

MATRIX_ENTRIES = {
    ("outcomes.open_data", "GET"): (lambda o: "/donnees-ouvertes", EVERYONE, None, True),
    ("outcomes.subsidies_schema", "GET"): (
        lambda o: "/donnees-ouvertes/schema-subventions-2.1.1.json",
        EVERYONE,
        None,
        True,
    ),
    ("outcomes.subsidies_csv", "GET"): (
        lambda o: "/donnees-ouvertes/subventions-region-2026.csv",
        EVERYONE,
        None,
        True,
    ),
    ("api.open_data_files", "GET"): (
        lambda o: "/api/v1/open-data/subsidies",
        EVERYONE,
        None,
        True,
    ),
    ("api.open_data_subsidies", "GET"): (
        lambda o: "/api/v1/open-data/subsidies/region/2026",
        EVERYONE,
        None,
        True,
    ),
}

MATRIX_ENTRIES |= {
    ("outcomes.calls", "GET"): (lambda o: "/appels-a-projets", EVERYONE, None, True),
    ("outcomes.call", "GET"): (lambda o: f"/appels-a-projets/{o.call.id}", EVERYONE, None, True),
}
