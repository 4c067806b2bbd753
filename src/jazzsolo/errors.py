class JazzsoloError(ValueError):
    """A user-facing problem: one line, names the file and the problem."""
