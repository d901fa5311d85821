"""Workflow steps.  Each step is a pure function from the casebook and the
user's input to a :class:`~yobo.workflow.apply.Change`; ``apply`` is the only
code that writes files or commits."""
