"""Web pages: the staff dashboard and the public consumer page."""
