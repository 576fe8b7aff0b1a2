from __future__ import annotations

from django.db import DatabaseError

from compliance.models import CustomRegime
from compliance.regimes import CustomRegimeSpec


def active_custom_regimes() -> list[CustomRegimeSpec]:
    """The custom regimes the engine knows about (only active ones apply).

    A database that is not migrated yet simply has none: the statutory
    regimes must still be assessable, e.g. by ``manage.py assess`` on a
    fresh checkout.
    """
    try:
        return [regime.to_spec() for regime in CustomRegime.objects.filter(is_active=True)]
    except DatabaseError:
        return []
