"""requests forms (filled in below)."""

FORMS: list = []
