"""Where outbound webhooks may go: public addresses only, checked when a
subscription is saved and again, after a fresh DNS lookup, before every
attempt (DNS answers change). The sender then connects to the address that
was checked, so a second lookup cannot swap it for an internal one.

Cloud metadata endpoints, multicast, unspecified and reserved addresses are
always refused. Loopback, private (RFC 1918, ULA, CGNAT) and link-local
targets are refused unless ``WEBHOOK_ALLOW_PRIVATE_TARGETS`` is on (tests,
or a portal whose subscribers live on the internal network).
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(address)
    for address in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean
        "169.254.170.2",  # AWS ECS task metadata
        "100.100.100.200",  # Alibaba Cloud
        "fd00:ec2::254",  # AWS IMDS over IPv6
    )
)


class TargetRefused(ValueError):
    """The URL may not be called; the message says why."""


@dataclass(frozen=True)
class CheckedTarget:
    url: SplitResult
    hostname: str
    port: int
    address: str


def allow_private() -> bool:
    return bool(getattr(settings, "WEBHOOK_ALLOW_PRIVATE_TARGETS", False))


def address_refusal(address: IPAddress, *, private_allowed: bool) -> str | None:
    """Why ``address`` may not be called, or None when it may."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_reserved:
        return "a reserved address"
    if address.is_loopback:
        return None if private_allowed else "a loopback address"
    if address.is_link_local:
        return None if private_allowed else "a link-local address"
    if not address.is_global:
        return None if private_allowed else "a private address"
    return None


def resolve(hostname: str, port: int) -> list[str]:
    """Every address the name resolves to (IPv4 and IPv6)."""
    try:
        infos = socket.getaddrinfo(hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise TargetRefused(f"{hostname} does not resolve ({exc}).") from None
    addresses = list(dict.fromkeys(str(info[4][0]).split("%", 1)[0] for info in infos))
    if not addresses:
        raise TargetRefused(f"{hostname} does not resolve.")
    return addresses


def parse_target(url: str) -> tuple[SplitResult, str, int]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise TargetRefused("Only http and https URLs can receive webhooks.")
    if parts.username or parts.password:
        raise TargetRefused("Put credentials in a header secret, not in the URL.")
    hostname = parts.hostname
    if not hostname:
        raise TargetRefused("The URL has no host.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise TargetRefused("The URL's port is not valid.") from None
    return parts, hostname, port


def check_target(url: str, *, private_allowed: bool | None = None) -> CheckedTarget:
    """Resolve the URL's host and refuse it unless every address it resolves to is allowed.

    All addresses must pass, not just one: a name that answers with a public
    and an internal address is refused rather than left to chance.
    """
    if private_allowed is None:
        private_allowed = allow_private()
    parts, hostname, port = parse_target(url)
    try:
        literal: IPAddress | None = ipaddress.ip_address(hostname)
    except ValueError:
        literal = None
    addresses = [str(literal)] if literal is not None else resolve(hostname, port)
    for address in addresses:
        reason = address_refusal(ipaddress.ip_address(address), private_allowed=private_allowed)
        if reason is not None:
            shown = hostname if literal is not None else f"{hostname} ({address})"
            raise TargetRefused(f"{shown} is {reason}; webhooks only go to public addresses.")
    return CheckedTarget(url=parts, hostname=hostname, port=port, address=addresses[0])
