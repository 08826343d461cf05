"""A real SMTP server for the tests: Debian's aiosmtpd on 127.0.0.1, on a port the kernel picks.

It records every message it accepts (envelope and raw bytes) and every SMTP command line it
receives, and can be told to answer the next DATA commands with a temporary failure (451) or a
recipient with a permanent one (550), so the tests see retries and refusals happen for real.
Run with Debian's /usr/bin/python3 (python3-aiosmtpd)."""

import socket
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP


class Received:
    def __init__(self, sender, recipients, data):
        self.sender = sender
        self.recipients = recipients
        self.data = data  # bytes, as received after DATA (dot-unstuffed)


class _Handler:
    def __init__(self, server):
        self.server = server

    async def handle_RCPT(self, smtp, session, envelope, address, options):
        with self.server.lock:
            if address in self.server.refuse_recipients:
                return "550 5.1.1 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, smtp, session, envelope):
        with self.server.lock:
            if self.server.drop_next_data > 0:
                # The message arrived whole (the final dot was read), then the connection is
                # lost before any reply: the sender cannot know whether it was taken.
                self.server.drop_next_data -= 1
                self.server.dropped.append(envelope.content)
                smtp.transport.close()
                return "451 4.3.0 never seen by the client"
            if self.server.fail_next_data > 0:
                self.server.fail_next_data -= 1
                self.server.refused.append(envelope.content)
                return "451 4.3.0 try again later"
            self.server.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK queued"


class _RecordingSMTP(SMTP):
    """Notes every command line, so a test can count commands nobody should have sent."""

    def __init__(self, handler, server, **kwargs):
        super().__init__(handler, **kwargs)
        self._server = server

    async def smtp_NOOP(self, arg):
        self._note("NOOP", arg)
        return await super().smtp_NOOP(arg)

    async def smtp_RSET(self, arg):
        self._note("RSET", arg)
        return await super().smtp_RSET(arg)

    async def smtp_MAIL(self, arg):
        self._note("MAIL", arg)
        return await super().smtp_MAIL(arg)

    async def smtp_RCPT(self, arg):
        self._note("RCPT", arg)
        return await super().smtp_RCPT(arg)

    async def smtp_DATA(self, arg):
        self._note("DATA", arg)
        return await super().smtp_DATA(arg)

    async def smtp_VRFY(self, arg):
        self._note("VRFY", arg)
        return await super().smtp_VRFY(arg)

    def _note(self, verb, arg):
        with self._server.lock:
            self._server.commands.append((verb, arg))


class _Controller(Controller):
    def __init__(self, server, **kwargs):
        self._server = server
        super().__init__(_Handler(server), **kwargs)

    def factory(self):
        return _RecordingSMTP(self.handler, self._server, **self.SMTP_kwargs)


def _free_port():
    # aiosmtpd's Controller connects to its own port to check it is up, so it needs the number
    # before it starts: the kernel picks one, and it is handed over at once.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpServer:
    def __init__(self):
        self.lock = threading.Lock()
        self.messages = []
        self.refused = []
        self.commands = []
        self.fail_next_data = 0
        self.drop_next_data = 0
        self.dropped = []
        self.refuse_recipients = set()
        self._controller = _Controller(self, hostname="127.0.0.1", port=_free_port(), ready_timeout=10,
                                       data_size_limit=10 * 1024 * 1024)

    def start(self):
        self._controller.start()
        self.port = self._controller.port
        return self

    def stop(self):
        self._controller.stop()

    def received(self):
        with self.lock:
            return list(self.messages)


def mail_config(port, public_url="https://deadlined.example.cn"):
    """The daemon's [email] section for mail through the SmtpServer on `port`, and its [http]
    section with the public_url its links start with (more [http] keys may follow)."""
    return (f'[email]\nrelay = "smtp://127.0.0.1:{port}"\nfrom_address = "reminders@deadlined.example.cn"\n\n'
            f'[http]\npublic_url = "{public_url}"\n')
