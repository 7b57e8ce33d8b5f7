"""The warm server's messages: length-prefixed JSON, with file descriptors beside them."""

from __future__ import annotations

import os
import socket
import struct
import threading

import pytest

from gitml.warm import wire


@pytest.fixture
def pair() -> object:
    left, right = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    with left, right:
        yield left, right


def test_a_message_and_its_descriptors_arrive_whole(pair: tuple[socket.socket, ...]) -> None:
    left, right = pair
    read, write = os.pipe()
    big = {"env": {f"KEY_{i}": "v" * 100 for i in range(2000)}}  # past one recv's worth
    sender = threading.Thread(target=wire.send, args=(left, big, [write]))
    sender.start()  # more than a socket buffer holds: it is read as it is written
    message, fds = wire.receive(right, max_fds=3) or ({}, [])
    sender.join()
    assert message == big
    assert len(fds) == 1
    os.write(fds[0], b"through the passed descriptor")
    assert os.read(read, 100) == b"through the passed descriptor"
    for fd in (read, write, *fds):
        os.close(fd)


def test_a_closed_peer_is_none_and_a_cut_message_an_error(pair: tuple[socket.socket, ...]) -> None:
    left, right = pair
    left.sendall(struct.pack("!I", 10) + b'{"a"')
    left.close()
    with pytest.raises(ConnectionError, match="closed in the middle of a message"):
        wire.receive(right)
    assert wire.receive(right) is None


def test_an_oversized_or_non_object_message_is_refused(pair: tuple[socket.socket, ...]) -> None:
    left, right = pair
    left.sendall(struct.pack("!I", wire.MAX_BYTES + 1))
    with pytest.raises(ValueError, match="at most"):
        wire.receive(right)
    left.sendall(struct.pack("!I", 2) + b"[]")
    with pytest.raises(ValueError, match="a JSON object, not list"):
        wire.receive(right)


def test_a_message_without_descriptors_is_written_in_one_call() -> None:
    # the command's signal handler sends too: between two writes of one message, a second
    # Ctrl-C's message would land inside the first, and the handler would read garbage
    class Recording:
        def __init__(self) -> None:
            self.calls: list[bytes] = []

        def sendall(self, data: bytes) -> None:
            self.calls.append(data)

    sock = Recording()
    wire.send(sock, {"signal": 2})  # type: ignore[arg-type]
    assert len(sock.calls) == 1
    assert sock.calls[0][wire.HEADER.size :] == b'{"signal": 2}'
