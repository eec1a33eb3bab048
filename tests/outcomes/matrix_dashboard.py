"""Permission-matrix entries of the outcome dashboard: its page, exports and API are read by the
MLDS coordinator, the co-pilots, the call administrators and the observers (VIEW_OUTCOMES)."""

OUTCOME_READERS = {"coordinator", "copilot", "call_admin", "observer"}

MATRIX_ENTRIES = {
    ("outcomes.dashboard", "GET"): (lambda o: "/resultats", OUTCOME_READERS, None),
    ("outcomes.dashboard_export", "GET"): (
        lambda o: f"/resultats.csv?appel={o.call.id}",
        OUTCOME_READERS,
        None,
    ),
    ("api.outcomes_dashboard", "GET"): (lambda o: "/api/v1/outcomes", OUTCOME_READERS, None),
}
