"""The one error type of jazzsolo, and its variant for a bad field of a request."""


class JazzsoloError(ValueError):
    """A user-facing problem: one line, names the file and the problem."""


class RequestError(JazzsoloError):
    """A bad value in a request or a config: ``field`` names it (``"n_outputs"``,
    ``"sampling.top_p"``), so that each front end can point at its own control or flag."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
