"""The SMS gateways behind one small interface: Kannel's HTTP ``sendsms`` in production and a
console gateway that accepts everything for development (the app stores every message anyway).

A gateway only hands a message over; it never stores or retries. The caller (the worker) retries
a message whose result is ``retryable`` and gives up on one that is neither accepted nor
retryable."""

from __future__ import annotations

import http.client
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Protocol

# The GSM 03.38 default alphabet and its extension table (the latter costs two septets each).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
GSM7 = GSM7_BASIC | GSM7_EXTENSION

# Kannel expands %-escapes in a dlr-url (%d is the report type), so a reference carried in it
# must not hold a % of its own: only characters that URL quoting leaves alone.
REFERENCE = re.compile(r"[A-Za-z0-9._~-]{1,64}")


def needs_ucs2(text: str) -> bool:
    """True when the text has a character outside GSM-7, so the whole message must go as UCS-2
    (70 characters a part instead of 160)."""
    return not set(text) <= GSM7


@dataclass(frozen=True)
class SendResult:
    """What a gateway made of one message. ``accepted``: it took the message (it may still
    queue it); ``retryable``: it did not, but the same message may succeed later (an outage);
    neither: it refused the message for good (bad credentials, bad number)."""

    accepted: bool
    retryable: bool
    detail: str


class Gateway(Protocol):
    def send(self, to: str, text: str, *, reference: str) -> SendResult:
        """Hand one message to the gateway; ``reference`` is the message's own id, which comes
        back with its delivery reports."""
        ...


class ConsoleGateway:
    """Development: accepts every message and sends nothing (the phone simulator page shows
    the stored messages)."""

    def send(self, to: str, text: str, *, reference: str) -> SendResult:
        return SendResult(accepted=True, retryable=False, detail="console: not sent")


class KannelGateway:
    """Kannel's ``sendsms`` over HTTP GET.

    Text goes as UTF-8 (``charset=UTF-8``), with ``coding=2`` (UCS-2) when it is not GSM-7:
    Kannel never switches by itself, and without it Chinese and Russian arrive as ``????``.
    With ``dlr_url``, each message asks for every delivery report (``dlr-mask=31``) at
    ``dlr_url`` plus ``reference=<reference>&type=%d`` (Kannel fills in the report type:
    1 delivered, 2 failed, 4 buffered, 8 sent to the SMSC, 16 rejected by the SMSC).

    Results: 2xx is accepted, both "0: Accepted for delivery" and "3: Queued for later
    delivery" (no SMSC connected; Kannel keeps it in its store and sends it later, so sending
    it again would double it). Connection refused (smsbox closes its port while bearerbox is
    down), timeouts and 5xx are retryable. Other answers (4xx: credentials, missing or bad
    number) are refusals. A timeout may hide a message Kannel did take, so a retry after one
    can deliver twice; refusals, the usual outage, cannot.
    """

    def __init__(self, sendsms_url: str, username: str, password: str,
                 dlr_url: str | None = None, *, sender: str | None = None,
                 timeout: float = 10.0):
        if urllib.parse.urlsplit(sendsms_url).scheme not in ("http", "https"):
            raise ValueError(f"the Kannel sendsms URL must be http(s), not {sendsms_url!r}")
        self.sendsms_url = sendsms_url
        self.username = username
        self.password = password
        self.dlr_url = dlr_url or None
        self.sender = sender or None
        self.timeout = timeout
        # Kannel runs beside the app: never through a proxy from the environment.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def request_url(self, to: str, text: str, *, reference: str) -> str:
        """The ``sendsms`` URL for one message (it holds the password: never log it)."""
        if not REFERENCE.fullmatch(reference):
            raise ValueError(f"a message reference must match {REFERENCE.pattern}, "
                             f"not {reference!r}")
        query = {"username": self.username, "password": self.password, "to": to,
                 "text": text, "charset": "UTF-8"}
        if self.sender:
            query["from"] = self.sender
        if needs_ucs2(text):
            query["coding"] = "2"
        if self.dlr_url:
            separator = "&" if urllib.parse.urlsplit(self.dlr_url).query else "?"
            query["dlr-mask"] = "31"
            query["dlr-url"] = f"{self.dlr_url}{separator}reference={reference}&type=%d"
        separator = "&" if urllib.parse.urlsplit(self.sendsms_url).query else "?"
        return self.sendsms_url + separator + urllib.parse.urlencode(query)

    def send(self, to: str, text: str, *, reference: str) -> SendResult:
        url = self.request_url(to, text, reference=reference)
        try:
            with self._opener.open(url, timeout=self.timeout) as response:
                body = response.read(1000).decode("utf-8", "replace").strip()
                return SendResult(accepted=True, retryable=False,
                                  detail=f"{response.status} {body}")
        except urllib.error.HTTPError as error:
            body = error.read(1000).decode("utf-8", "replace").strip()
            error.close()
            return SendResult(accepted=False, retryable=error.code >= 500,
                              detail=f"{error.code} {body}")
        except urllib.error.URLError as error:
            return SendResult(accepted=False, retryable=True,
                              detail=f"Kannel unreachable: {error.reason}")
        except (OSError, http.client.HTTPException) as error:  # timeouts, resets, garbage
            return SendResult(accepted=False, retryable=True,
                              detail=f"Kannel unreachable: {error!r}")


def gateway_from_config(app) -> Gateway:
    """The gateway ``HWC_SMS_BACKEND`` names: "console" (the default) or "kannel" (which needs
    ``HWC_KANNEL_SENDSMS_URL``, ``HWC_KANNEL_USER`` and ``HWC_KANNEL_PASSWORD``; optional
    ``HWC_SMS_DLR_URL`` for delivery reports and ``HWC_SMS_SENDER``)."""
    backend = app.config.get("HWC_SMS_BACKEND", "console") or "console"
    if backend == "console":
        return ConsoleGateway()
    if backend == "kannel":
        missing = [name for name in ("HWC_KANNEL_SENDSMS_URL", "HWC_KANNEL_USER",
                                     "HWC_KANNEL_PASSWORD") if not app.config.get(name)]
        if missing:
            raise ValueError(f"HWC_SMS_BACKEND=kannel needs {', '.join(missing)}")
        return KannelGateway(app.config["HWC_KANNEL_SENDSMS_URL"], app.config["HWC_KANNEL_USER"],
                             app.config["HWC_KANNEL_PASSWORD"],
                             dlr_url=app.config.get("HWC_SMS_DLR_URL") or None,
                             sender=app.config.get("HWC_SMS_SENDER") or None)
    raise ValueError(f"HWC_SMS_BACKEND must be console or kannel, not {backend!r}")
