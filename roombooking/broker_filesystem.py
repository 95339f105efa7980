"""The embedded default broker (``filesystem://``), with each message written whole.

kombu's filesystem transport creates a message's file under its final name and then writes it;
a worker polling the folder can move and read it in between, get an empty payload and stop with
"Unrecoverable error: JSONDecodeError" (seen twice in CI's worker tests). Here the message is
written under a name no queue matches and renamed into place, which is atomic on one file
system, so a reader finds a whole message or none.
"""

from __future__ import annotations

import os
import uuid
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"  # kombu's own naming
        final = os.path.join(self.data_folder_out, name)
        partial = os.path.join(self.data_folder_out, f"partial-{uuid.uuid4()}")  # matches no queue
        try:
            with open(partial, "wb") as file:
                file.write(dumps(payload).encode())
            os.replace(partial, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel


TRANSPORT = f"{__name__}:Transport"
