"""The outcomes area's tables. None yet: open data reads the funding area's agreements and
commitments (the beneficiary's legal identity is on the kernel's Establishment)."""
