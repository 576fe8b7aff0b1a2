from typing import Any


def panel_context(request: Any) -> None:
    return None
