"""A stand-in for DNS, so the outbound checks (``core.outbound``) are tested without the
Internet: ``fake_dns(monkeypatch, {"hooks.example.com": "93.184.216.34"})`` makes each name
resolve to its address(es) (a callable is asked at each lookup: a name that changes its
answer); an IP address (in any of its spellings) resolves as usual; any other name does not
resolve. ``lookups`` counts
the lookups of each name."""

import socket
from collections import Counter
from collections.abc import Callable

Answer = str | list[str] | Callable[[], str | list[str]]


def fake_dns(monkeypatch, names: dict[str, Answer]) -> Counter:
    real = socket.getaddrinfo
    lookups: Counter = Counter()

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        name = host.decode() if isinstance(host, bytes) else str(host)
        name = name.rstrip(".").lower()
        if name not in names:  # an address (also 2130706433, 0x7f.1) as usual, without DNS
            return real(host, port, family, type, proto, flags | socket.AI_NUMERICHOST)
        lookups[name] += 1
        answer = names[name]
        answer = answer() if callable(answer) else answer
        addresses = [answer] if isinstance(answer, str) else answer
        infos = []
        for address in addresses:
            if ":" in address:
                infos.append((socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port or 0, 0, 0)))
            else:
                infos.append((socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port or 0)))
        return infos

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return lookups
