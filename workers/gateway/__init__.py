"""The operator's side: `antifraud gateway-agent`, run beside a telecom's Kamailio (docs/telecom.md).

It pulls the center's Kamailio tables (ETag, `?since=` deltas), never loads one whose bytes do not match
the sha256 of the center's index, writes them atomically where Kamailio's db_text reads them, has
Kamailio reload them over JSON-RPC, and reports the calls Kamailio refused back to the center
(`POST /v1/hits`). The decisions are pure (model, tables, hits); `agent` drives them over two ports,
the center and the gateway (ports), whose HTTP adapters are in center_client and kamailio_rpc.
"""
