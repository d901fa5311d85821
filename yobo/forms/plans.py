"""plans forms (filled in below)."""

FORMS: list = []
