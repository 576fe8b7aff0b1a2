"""Admin of the incidents app; importing the modules registers their ModelAdmins."""

from incidents.admin import incidents, plan

__all__ = ["incidents", "plan"]
