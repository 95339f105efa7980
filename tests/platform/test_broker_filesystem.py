"""The embedded default broker: a worker polling the folder never reads half a message."""

from __future__ import annotations

import contextlib
import threading
import time

from kombu import Connection
from kombu.transport import filesystem

from roombooking import broker_filesystem

COUNT = 40


def _exchange(transport, folder) -> list[int]:
    options = {"data_folder_in": str(folder), "data_folder_out": str(folder)}
    with Connection("filesystem://", transport=transport, transport_options=options) as conn:
        writer, reader = conn.channel(), conn.channel()
        thread = threading.Thread(
            target=lambda: [writer._put("q", {"n": number}) for number in range(COUNT)]
        )
        thread.start()
        received = []
        while len(received) < COUNT:
            with contextlib.suppress(filesystem.Empty):
                received.append(reader._get("q")["n"])
        thread.join()
        return received


def test_a_message_being_written_slowly_is_read_whole_and_once(tmp_path, monkeypatch):
    # A slow write (a loaded machine): the message is encoded while its file is open. kombu's
    # own transport, given the same slow encoder, lets the reader take the empty file and fail
    # with "JSONDecodeError: Expecting value" (the worker's crash in CI).
    encode = broker_filesystem.dumps

    def slow_dumps(payload):
        time.sleep(0.005)
        return encode(payload)

    monkeypatch.setattr(broker_filesystem, "dumps", slow_dumps)
    assert sorted(_exchange(broker_filesystem.Transport, tmp_path)) == list(range(COUNT))
