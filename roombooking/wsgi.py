import os

import django

from roombooking.handlers import RememberingWSGIHandler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "roombooking.settings")

# What django.core.wsgi.get_wsgi_application does, with a handler that remembers where recent
# paths resolved to (roombooking/handlers.py).
django.setup(set_prefix=False)
application = RememberingWSGIHandler()
