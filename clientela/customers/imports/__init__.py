"""Importing accounts, contacts and leads from CSV and XLSX files.

``reading`` checks and streams the file, ``mapping`` pairs columns with fields, ``specs`` says
how each record type's rows are cleaned, ``matching`` finds existing records, ``batch`` and
``writing`` commit rows batch by batch, and ``jobs`` holds the services the UI, the API, the
command line and the worker task call.
"""

from clientela.customers.imports.jobs import (
    import_configure,
    import_create,
    import_get,
    import_list,
    import_preview,
    import_run,
    import_start,
    rejected_rows,
)

__all__ = [
    "import_configure",
    "import_create",
    "import_get",
    "import_list",
    "import_preview",
    "import_run",
    "import_start",
    "rejected_rows",
]
