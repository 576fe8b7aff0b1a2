"""What each role needs for each compliance endpoint (checked by portal.permissions.RolePermission)."""

VIEW_COMPLIANCE = ["compliance.view_compliance"]

ASSESS = {"POST": VIEW_COMPLIANCE}
