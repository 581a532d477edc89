"""The one exception of the command line's own making."""


class DataError(Exception):
    """A problem with the user's files: one line on stderr, exit status 2."""
