"""Entry point: parse the command line, run the command, turn known failures into exit codes."""

import sys

from .commands import COMMANDS
from .errors import LocalCloudError
from .settings import parse_command_line


def main(argv=None):
    try:
        command, settings = parse_command_line(sys.argv[1:] if argv is None else argv)
        return COMMANDS[command](settings)
    except LocalCloudError as error:
        print(f"local_cloud: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("local_cloud: interrupted", file=sys.stderr)
        return 130
