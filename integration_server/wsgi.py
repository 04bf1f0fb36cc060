import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "integration_server.settings")

application = get_wsgi_application()

# The same checks as manage.py (keys present, valid and opening the stored data): no start otherwise.
from integration_server.startup import run_startup_checks  # noqa: E402

run_startup_checks()
