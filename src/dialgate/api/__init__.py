"""The HTTP API: thin routes that authenticate, parse, call one use case, and render."""
