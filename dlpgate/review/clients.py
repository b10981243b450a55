"""Who is asking: a client's address, behind the proxies the operator named and no others,
the networks it is counted by, and the audit entries anyone can cause, bounded.

The address feeds the sign-in lockout and the audit trail. It is the connection's own
unless that comes from a proxy listed in `review.trusted_proxies`, whose
X-Forwarded-For is then believed. None is listed by default: 127.0.0.1 was, and any
process on the relay's host (any local user, a compromised service) could name any
address it liked, locking a reviewer's office out or writing another's address into
the trail; with `trusted_header` set, it could sign in as anyone.
"""

from __future__ import annotations

import ipaddress

from starlette.requests import Request

from dlpgate import obs
from dlpgate.store.base import AuditEntry

log = obs.logger("dlpgate.review")
EVERYWHERE = 20  # times `review.refusals_audited`: the most of a kind from all networks
_warned: set[str] = set()  # kinds of peer whose X-Forwarded-For was ignored, said once each


def trusted(request: Request, networks: list[str]) -> bool:
    if request.client is None:
        return False
    try:
        address = ipaddress.ip_address(request.client.host)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(n) for n in networks)


def client_address(request: Request, proxies: list[str]) -> str:
    """Who is signing in: behind a trusted proxy, the address it says it forwarded for (the
    last X-Forwarded-For entry that is no listed proxy: `_forwarded_for`); every reviewer
    came from the proxy's address, and five failures with invented names locked the whole
    team out. A forwarded address from a peer not listed is ignored, and said once in the
    log: a proxy an upgrade stopped believing makes every reviewer one address again."""
    host = request.client.host if request.client else "?"
    forwarded = ",".join(request.headers.getlist("x-forwarded-for"))
    if not forwarded.strip():
        return host
    if trusted(request, proxies):
        return _forwarded_for(forwarded, proxies) or host
    if (kind := _kind(host)) not in _warned:
        _warned.add(kind)
        log.warning("review_forwarded_for_ignored", peer=kind, advice=(
            "a request carried X-Forwarded-For from a peer review.trusted_proxies does not "
            "list, and it was ignored: if that peer is your reverse proxy, list its address"))
    return host


def _forwarded_for(forwarded: str, proxies: list[str]) -> str:
    """The client in a chain of proxies (a load balancer in front of nginx): each proxy adds
    the address it was reached from, so read from the right, past every listed proxy, to
    the first address that is not one. What is left of that was written by the client and
    is not believed. (The last entry alone was the load balancer for every reviewer.)"""
    entries = [e.strip()[:64] for e in forwarded.split(",")]
    for entry in reversed(entries):
        try:
            address = ipaddress.ip_address(entry)
        except ValueError:
            return entry  # not an address: no proxy of ours wrote it, so it stops here
        if not any(address in ipaddress.ip_network(n) for n in proxies):
            return entry
    return entries[0]  # every one a listed proxy: the first is as near the client as any


def _kind(host: str) -> str:
    """A peer as the log may name it: its kind, not its address (a client's address is
    personal data, and no log line holds one)."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return "unknown"
    if address.is_loopback:
        return "loopback (this host)"
    return "private network" if address.is_private else "public address"


def network(client: str) -> str:
    """A client as the lockout counts it: an IPv6 one by its /64, which a host or a household
    is given whole (a guesser stepped through its own 2^64 addresses, a fresh one each try).
    An IPv4 address written as IPv6 (::ffff:203.0.113.9) is that IPv4 address."""
    return _within(client, 32, 64)


def audit_network(client: str) -> str:
    """A client as the bounded audit counts it: by its IPv4 /24 or IPv6 /48, the least a
    hosting provider hands one customer, so that one customer's addresses share a count."""
    return _within(client, 24, 48)


def _within(client: str, v4: int, v6: int) -> str:
    try:
        address = ipaddress.ip_address(client)
    except ValueError:
        return client
    if address.version == 6 and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    prefix = v4 if address.version == 4 else v6
    if prefix == address.max_prefixlen:
        return str(address)
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def refused(store, settings, entry: AuditEntry, client: str) -> None:
    """An entry anyone who can reach the app can cause (a refused or failed sign-in, a link
    that cannot be used): written one by one up to `review.refusals_audited` a kind from
    one network in `review.refusals_window` seconds, then counted into a summary entry
    (store/bursts.py)."""
    cfg = settings.review
    store.audit_some(entry, audit_network(client), cfg.refusals_audited,
                     cfg.refusals_audited * EVERYWHERE, cfg.refusals_window)
