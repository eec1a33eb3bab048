"""The review area's rules and transactions, one module per concept.

screening · conflicts · commission (what the set-up pages read) · settings · phases · members ·
grid · coverage · assignment · assignment_import · scoring · queue · sessions · decisions ·
publication. Functions take domain objects and plain data, check the policy, audit, queue mail
and flush; the caller (a view, the API or a CLI command) commits once.
"""
