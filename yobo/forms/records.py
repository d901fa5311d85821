"""records forms (filled in below)."""

FORMS: list = []
