"""An email backend that kills the process sending through it (a poison message's worst case),
for the worker test that checks such a row ends FAILED instead of looping forever."""

from __future__ import annotations

import os
import signal

from django.core.mail.backends.base import BaseEmailBackend


class EmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        os.kill(os.getpid(), signal.SIGKILL)
