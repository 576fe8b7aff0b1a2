"""Domain errors raised by services; the API maps them to HTTP statuses."""


class DomainError(Exception):
    """A rule of the domain refuses the operation (HTTP 409)."""


class TransitionNotAllowed(DomainError):
    """The object's lifecycle does not allow this step now."""


class ConflictError(DomainError):
    """The object is frozen or otherwise cannot change (HTTP 409)."""


class PreconditionFailed(Exception):
    """The client's If-Match version is stale (HTTP 412)."""


class PreconditionRequired(Exception):
    """An update that needs If-Match came without it (HTTP 428)."""
