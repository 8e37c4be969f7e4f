"""Active defence: detectors over the verifications and status lookups of an installation
raise alerts (cloned licences, replayed live codes, bursts of failures, enumeration of
status lookups, an authority's key trouble), stored in the shared state store, listed by
`elicence alerts` and GET /api/v1/alerts, and optionally posted to a webhook.
docs/deployment.md "Alerts"; decisions 0165–0167."""

from .detectors import AlertKind
from .monitor import AlertMonitor
from .settings import AlertSettings, CounterPlace, counter_place, operator_token, place_of
from .store import Alert, AlertStore
from .webhook import WebhookSender

__all__ = ["Alert", "AlertKind", "AlertMonitor", "AlertSettings", "AlertStore", "CounterPlace",
           "WebhookSender", "counter_place", "operator_token", "place_of"]
