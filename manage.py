#!/usr/bin/env python
"""Django's command-line utility. Bad configuration ends with one line naming the variable."""

import os
import sys


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "roombooking.settings")
    from django.core.management import execute_from_command_line

    from roombooking.startup import explain_startup_failure

    try:
        execute_from_command_line(sys.argv)
    except Exception as exc:
        message = explain_startup_failure(exc)
        if message is None:
            raise
        print(f"error: {message}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
