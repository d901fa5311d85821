"""yobo (予防): case files for 介護予防支援 and 介護予防ケアマネジメント, kept in git."""

__version__ = "0.1.0"
