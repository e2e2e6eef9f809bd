"""Use cases. Each one owns its transaction; ports.py names everything they need from outside."""
