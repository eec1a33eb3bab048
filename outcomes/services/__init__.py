"""The outcomes area's services, one module per concept."""
