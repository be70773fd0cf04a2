"""The verbs of the ``clientela`` command, one module each."""
