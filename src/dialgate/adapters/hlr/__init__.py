"""Roaming lookups (HLR) behind the HlrProvider port."""
