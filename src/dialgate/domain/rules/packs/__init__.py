"""One module per country."""
