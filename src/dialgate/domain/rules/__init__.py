"""The decision engine and the rule packs."""
