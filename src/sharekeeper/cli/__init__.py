"""The ``sharekeeper`` command."""
