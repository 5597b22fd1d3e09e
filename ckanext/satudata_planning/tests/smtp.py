"""A tiny local SMTP server, so e-mails go through a real SMTP conversation
with CKAN's mailer (the ``smtp`` fixture in ``conftest.py`` starts one per
test and sets it as the site's ``smtp.server``)."""
from __future__ import annotations

import email
import socketserver
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message

import ckan.plugins.toolkit as tk
import pytest


@dataclass
class Mailbox:
    """What the SMTP server received; ``refuse``: addresses it answers 550."""

    messages: list[tuple[list[str], Message]] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)

    def to(self, address: str) -> list[Message]:
        return [m for rcpt, m in self.messages if address in rcpt]


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Enough of RFC 5321 for smtplib: EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT."""

    def _reply(self, line: str) -> None:
        self.wfile.write((line + "\r\n").encode())

    def handle(self) -> None:
        box: Mailbox = self.server.mailbox  # type: ignore[attr-defined]
        rcpt: list[str] = []
        self._reply("220 test SMTP")
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            command = raw.decode().strip()
            verb = command[:4].upper()
            if verb in ("EHLO", "HELO"):
                self._reply("250 test")
            elif verb == "MAIL":
                rcpt = []
                self._reply("250 OK")
            elif verb == "RCPT":
                address = command.split(":", 1)[1].strip().strip("<>")
                if address in box.refuse:
                    self._reply("550 mailbox unavailable")
                else:
                    rcpt.append(address)
                    self._reply("250 OK")
            elif verb == "DATA":
                self._reply("354 end with .")
                lines = []
                while (line := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
                    lines.append(line[1:] if line.startswith(b"..") else line)
                box.messages.append((rcpt, email.message_from_bytes(b"".join(lines))))
                self._reply("250 queued")
            elif verb == "QUIT":
                self._reply("221 bye")
                return
            else:  # RSET, NOOP
                self._reply("250 OK")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def serve(monkeypatch: pytest.MonkeyPatch) -> Iterator[Mailbox]:
    """A local SMTP server on a free port, set as the site's ``smtp.server``."""
    server = _Server(("127.0.0.1", 0), _SMTPHandler)
    server.mailbox = Mailbox()  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setitem(tk.config, "smtp.server",
                        f"127.0.0.1:{server.server_address[1]}")
    yield server.mailbox  # type: ignore[attr-defined]
    server.shutdown()
    server.server_close()


def body(message: Message) -> str:
    """The text of a mail CKAN's mailer sent."""
    part = message.get_payload(decode=True) if not message.is_multipart() else \
        message.get_payload(0).get_payload(decode=True)
    return part.decode("utf-8")
