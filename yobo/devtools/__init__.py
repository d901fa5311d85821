"""Tools for developers: synthetic casebooks and the benchmark of ``monitor due``."""
