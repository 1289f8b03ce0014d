"""substitute.properties (being written)."""
