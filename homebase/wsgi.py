import os

from django.core.management import call_command
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "homebase.settings")
application = get_wsgi_application()
# Refuse to serve when a system check fails, for example a production start
# without the keys kept outside the database (children/checks.py).
call_command("check", verbosity=0)
