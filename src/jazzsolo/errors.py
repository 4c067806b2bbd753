"""The one error type of jazzsolo, and its variant for a bad field of a request."""


class JazzsoloError(ValueError):
    """A user-facing problem: one line, names the file and the problem."""


class RequestError(JazzsoloError):
    """A bad value in a request or a config: ``field`` names it (``"n_outputs"``,
    ``"sampling.top_p"``), so that each front end can point at its own control or flag."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def one_line(message: str) -> str:
    """``message`` with every character that would break or hide a terminal line (control
    characters, line and paragraph separators; they can come from names inside a damaged
    file) written as an escape, so an error is always exactly one line."""
    return "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in message)
