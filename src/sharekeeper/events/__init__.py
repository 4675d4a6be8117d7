"""The change feed at the edge: events rendered in the API's wire shape (render.py), and the
outbox's relay to NATS JetStream (nats_relay.py, loaded only when SHAREKEEPER_NATS_URL is set,
since nats-py is an optional extra)."""

from __future__ import annotations

import importlib.util

NATS_MISSING = (
    "SHAREKEEPER_NATS_URL is set, but nats-py is not installed: "
    "pip install 'sharekeeper[nats]', or unset SHAREKEEPER_NATS_URL"
)


def nats_client_installed() -> bool:
    return importlib.util.find_spec("nats") is not None
