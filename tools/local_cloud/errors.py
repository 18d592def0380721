"""Errors that end a command with a message and an exit code."""

EXIT_FAILURE = 1
EXIT_PORT_BUSY = 2


class LocalCloudError(Exception):
    """A failure to report to the user as-is, without a traceback."""

    def __init__(self, message, exit_code=EXIT_FAILURE):
        super().__init__(message)
        self.exit_code = exit_code
