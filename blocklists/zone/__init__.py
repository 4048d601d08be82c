"""The center's authoritative DNS server for its RPZ zones: AXFR, IXFR, NOTIFY, TSIG and ACLs.

`handler` is pure (wire bytes in, wire bytes out, the clock injected); `server` holds the asyncio
UDP/TCP transports and the `ZoneServer` the composition root starts; `source` is the port through which
the published list comes in.
"""
