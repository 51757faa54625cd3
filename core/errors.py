"""Domain errors. Services raise them; the API answers 400 and pages show the message."""


class ServiceDeskError(Exception):
    """A rule of the domain refused the change. ``field`` names the input it concerns."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotAllowed(ServiceDeskError):
    """The actor may see the object but not do this to it (403)."""
