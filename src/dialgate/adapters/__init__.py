"""The outside world behind the ports: databases, files, HTTP providers, webhooks."""
