"""substitute.compliance (being written)."""
