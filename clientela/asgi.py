"""ASGI entry point for ``clientela serve`` or any ASGI server."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clientela.settings")
application = get_asgi_application()
