"""The real Kannel for tests: bearerbox, smsbox and the fake SMSC of Debian's ``kannel`` and
``kannel-extras``, on free loopback ports in a temporary folder, stopped (process groups and
all) when the test is done.

``running_kannel(tmp_path, get_url)`` writes the configuration, starts the boxes, connects a
fakesmsc as the phone network and yields a ``Kannel``: ``sendsms_url``/``user``/``password``
for the app's gateway, ``send_from_phone(sender, text)`` for a resident's message,
``received()`` for what reached the phones, and ``stop_bearerbox()``/``start_bearerbox()`` for
outage drills. ``get_url`` is the sms-service's get-url, Kannel escapes included
(``http://127.0.0.1:PORT/sms/inbound/kannel?from=%p&text=%a``)."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import service_missing

BEARERBOX = os.environ.get("HWC_BEARERBOX", "/usr/sbin/bearerbox")
SMSBOX = os.environ.get("HWC_SMSBOX", "/usr/sbin/smsbox")
FAKESMSC = os.environ.get("HWC_FAKESMSC", "/usr/lib/kannel/test/fakesmsc")
SHORT_CODE = "12345"  # the number residents text, and the sender of every reply
START_TIMEOUT = 15.0

CONFIG = """\
group = core
admin-port = {admin_port}
admin-interface = 127.0.0.1
admin-password = {admin_password}
admin-deny-ip = "*.*.*.*"
admin-allow-ip = "127.0.0.1"
smsbox-port = {box_port}
smsbox-interface = 127.0.0.1
box-deny-ip = "*.*.*.*"
box-allow-ip = "127.0.0.1"
log-file = "{folder}/bearerbox.log"
store-type = file
store-location = "{folder}/kannel.store"
dlr-storage = internal

group = smsc
smsc = fake
smsc-id = FAKE
port = {fake_port}
our-host = 127.0.0.1
connect-allow-ip = 127.0.0.1

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = {box_port}
sendsms-port = {sendsms_port}
sendsms-interface = 127.0.0.1
log-file = "{folder}/smsbox.log"
mo-recode = true

group = sendsms-user
username = {user}
password = {password}
user-deny-ip = "*.*.*.*"
user-allow-ip = "127.0.0.1"
default-sender = {short_code}
concatenation = true
max-messages = 10

group = sms-service
keyword = default
catch-all = true
get-url = "{get_url}"
accept-x-kannel-headers = true
concatenation = true
max-messages = 2
"""

# fakesmsc prints each message it gets on stderr (the first at INFO, later ones at DEBUG).
GOT_MESSAGE = re.compile(r"Got message \d+: <(\S+) (\S+) (\S+) (.*)>$")


@dataclass(frozen=True)
class PhoneMessage:
    """One message that reached the fake phone network."""

    sender: str
    receiver: str
    coding: str  # "text" (GSM-7 from Kannel's side) or "ucs-2"
    text: str


def free_ports(count: int) -> list[int]:
    """Ports free on the loopback interface now (held open together so they differ)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for each in sockets:
            each.bind(("127.0.0.1", 0))
        return [each.getsockname()[1] for each in sockets]
    finally:
        for each in sockets:
            each.close()


def port_open(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
        return True
    return False


def group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def wait_for(condition, what: str, timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"Kannel: {what} within {timeout} s")
        time.sleep(0.05)


def decode_payload(coding: str, payload: str) -> str:
    """fakesmsc's printed payload as text: ``ucs-2`` and ``data`` are URL-encoded bytes
    (``+`` for a space), UTF-16BE and 8-bit respectively."""
    if coding == "text":
        return payload
    raw = urllib.parse.unquote_to_bytes(payload.replace("+", " "))
    return raw.decode("utf-16-be") if coding == "ucs-2" else raw.decode("latin-1")


@dataclass(frozen=True)
class Part:
    """One part of a concatenated message (its UDH names the message, the count, the place)."""

    sender: str
    receiver: str
    reference: int
    total: int
    number: int
    coding: str
    text: str


def concatenated_part(sender: str, receiver: str, payload: str) -> Part:
    """fakesmsc prints a part as ``<UDH> data <bytes>``, both URL-encoded; the bytes are
    UTF-16BE for a UCS-2 message (every other byte of Latin or Cyrillic is 0 or 4)."""
    udh_text, _, data = payload.partition(" data ")
    udh = urllib.parse.unquote_to_bytes(udh_text.replace("+", " "))
    raw = urllib.parse.unquote_to_bytes(data.replace("+", " "))
    ucs2 = (len(raw) % 2 == 0 and b"\x00" in raw[0::2]) or any(b >= 0x80 for b in raw)
    text = raw.decode("utf-16-be", "replace") if ucs2 else raw.decode("latin-1")
    return Part(sender, receiver, udh[3], udh[4], udh[5], "ucs-2" if ucs2 else "text", text)


def joined(found: list) -> list[PhoneMessage]:
    """The messages as the phone shows them: the parts of a concatenated one joined once all
    have come, in order."""
    messages, parts = [], {}
    for item in found:
        if isinstance(item, PhoneMessage):
            messages.append(item)
            continue
        key = (item.sender, item.receiver, item.reference)
        parts.setdefault(key, {})[item.number] = item
        if len(parts[key]) == item.total:
            group = parts.pop(key)
            ordered = [group[n] for n in range(1, item.total + 1)]
            messages.append(PhoneMessage(item.sender, item.receiver, item.coding,
                                         "".join(part.text for part in ordered)))
    return messages


def phone_line(sender: str, receiver: str, text: str) -> str:
    """A fakesmsc message: plain ``text`` when ASCII, else ``ucs2`` (URL-encoded UTF-16BE)."""
    if text.isascii() and text.isprintable():
        return f"{sender} {receiver} text {text}"
    return f"{sender} {receiver} ucs2 {urllib.parse.quote_from_bytes(text.encode('utf-16-be'))}"


class Kannel:
    """Kannel's boxes and one connected fakesmsc, all in their own process groups."""

    def __init__(self, folder: Path, get_url: str):
        self.folder = folder
        self.admin_port, self.box_port, self.fake_port, self.sendsms_port = free_ports(4)
        self.user, self.password, self.admin_password = "hwc", "sendsms-secret", "admin-secret"
        self.sendsms_url = f"http://127.0.0.1:{self.sendsms_port}/cgi-bin/sendsms"
        self.config = folder / "kannel.conf"
        self.config.write_text(CONFIG.format(
            admin_port=self.admin_port, admin_password=self.admin_password,
            box_port=self.box_port, fake_port=self.fake_port, sendsms_port=self.sendsms_port,
            folder=folder, user=self.user, password=self.password, short_code=SHORT_CODE,
            get_url=get_url))
        self.bearerbox = self.smsbox = self.phone = None
        self.phone_logs: list[Path] = []
        self.stopped: list[subprocess.Popen] = []

    # processes

    def _spawn(self, name: str, argv: list[str]) -> subprocess.Popen:
        log = open(self.folder / f"{name}.out", "ab")  # noqa: SIM115 - the child keeps it
        with log:
            return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                    cwd=self.folder, start_new_session=True)

    def _stop(self, process: subprocess.Popen | None) -> None:
        """SIGTERM to the process's group, SIGKILL to what lingers, the child reaped: no
        zombies and no strays. The group matters: smsbox that loses bearerbox re-launches
        itself ("Bearerbox is gone, restarting") in a new process of the same group."""
        if process is None or process in self.stopped:
            return  # never signal a group twice: its number may belong to someone else now
        self.stopped.append(process)
        for sig in (signal.SIGTERM, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)
            with contextlib.suppress(TimeoutError):
                wait_for(lambda: not group_alive(process.pid), "the group gone", 5)
                return
        raise RuntimeError(f"Kannel: process group {process.pid} survived SIGKILL")

    def _smsc_online(self) -> bool:
        """Whether bearerbox has the fake SMSC connected, from its admin status page."""
        url = (f"http://127.0.0.1:{self.admin_port}/status.txt?"
               + urllib.parse.urlencode({"password": self.admin_password}))
        try:
            opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
            with opener.open(url, timeout=1) as response:
                status = response.read().decode("utf-8", "replace")
        except OSError:
            return False
        return bool(re.search(r"FAKE\[FAKE\].*\(online", status))

    def _connect_phone(self, *messages: str) -> None:
        """(Re)start the one fakesmsc: it sends ``messages`` once each and then stays
        connected, printing what it receives."""
        if self.phone is not None:
            self._stop(self.phone)
            # Let bearerbox see the old connection close, so nothing is written to it.
            wait_for(lambda: not self._smsc_online(), "the old fake SMSC offline")
        log = self.folder / f"fakesmsc-{len(self.phone_logs) + 1}.out"
        self.phone_logs.append(log)
        argv = [FAKESMSC, "-H", "127.0.0.1", "-r", str(self.fake_port), "-i", "0.1"]
        argv += ["-m", str(len(messages)), *messages] if messages else ["-m", "0", "0 0 text -"]
        self.phone = self._spawn(log.stem, argv)
        wait_for(self._smsc_online, "the fake SMSC online")

    def start_bearerbox(self) -> None:
        """Start bearerbox, then smsbox (which needs it), then connect the phone network."""
        self.bearerbox = self._spawn("bearerbox", [BEARERBOX, "-v", "1", str(self.config)])
        wait_for(lambda: port_open(self.admin_port) and port_open(self.box_port),
                 "bearerbox listening")
        self.smsbox = self._spawn("smsbox", [SMSBOX, "-v", "1", str(self.config)])
        wait_for(lambda: port_open(self.sendsms_port), "smsbox's sendsms listening")
        self._connect_phone()

    def stop_bearerbox(self) -> None:
        """An outage: bearerbox stops; smsbox loses it, closes sendsms (refusing connections)
        and is stopped too; the fake SMSC has lost its connection."""
        self._stop(self.bearerbox)
        wait_for(lambda: not port_open(self.sendsms_port), "sendsms closed")
        self._stop(self.smsbox)
        self._stop(self.phone)

    def stop(self) -> None:
        for process in (self.phone, self.smsbox, self.bearerbox):
            self._stop(process)

    # the phone network

    def send_from_phone(self, sender: str, text: str) -> None:
        """A resident's phone sends ``text`` to the short code."""
        self._connect_phone(phone_line(sender, SHORT_CODE, text))

    def received(self) -> list[PhoneMessage]:
        """Every message that reached a phone so far, in order, decoded to text."""
        found = []
        for log in self.phone_logs:
            if not log.exists():
                continue
            for line in log.read_text("utf-8", "replace").splitlines():
                match = GOT_MESSAGE.search(line)
                if match:
                    sender, receiver, coding, payload = match.groups()
                    if coding == "udh":
                        found.append(concatenated_part(sender, receiver, payload))
                    else:
                        found.append(PhoneMessage(sender, receiver, coding,
                                                  decode_payload(coding, payload)))
        return joined(found)

    def wait_for_received(self, count: int, timeout: float = 10.0) -> list[PhoneMessage]:
        """The messages received once there are at least ``count`` of them."""
        wait_for(lambda: len(self.received()) >= count,
                 f"{count} message(s) at the phones", timeout)
        return self.received()


@contextlib.contextmanager
def running_kannel(tmp_path: Path, get_url: str):
    """A started Kannel (see the module's docstring), stopped on exit; skips (fails in CI)
    when Kannel is not installed."""
    missing = [path for path in (BEARERBOX, SMSBOX, FAKESMSC) if not os.access(path, os.X_OK)]
    if missing:
        service_missing(f"Kannel is not installed ({', '.join(missing)} missing: "
                        "apt-get install kannel kannel-extras)")
    folder = tmp_path / "kannel"
    folder.mkdir()
    kannel = Kannel(folder, get_url)
    try:
        kannel.start_bearerbox()
        yield kannel
    finally:
        kannel.stop()
