"""dialgate: a compliance gateway for outbound call centres."""

__version__ = "0.1.0"
