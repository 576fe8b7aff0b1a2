"""WSGI entry point (``gunicorn portal.wsgi``, configured by ``gunicorn.conf.py``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
application = get_wsgi_application()


def _warm_up_pdf() -> None:
    # With preload_app this runs once in the gunicorn master and every worker inherits it;
    # without, once per worker at start. Either way no render child imports WeasyPrint itself.
    from django.conf import settings

    if settings.PDF_WARM_UP:
        from portal import pdf

        pdf.warm_up()


_warm_up_pdf()
