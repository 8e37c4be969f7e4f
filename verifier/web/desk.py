"""GET /api/v1/counter: which counter the asking page is, for its heading.

    {"counter_id": "tax-3", "name_zh": "税务窗口", "name_en": "Tax window",
     "region": "330106" | null, "configured": true}

With a counter token it is the token's counter, named and placed as config.json's
"counters" table says (names an entry leaves out are the installation's, verifier.counters);
`configured` says whether the table has an entry for it, so the page keeps the
installation's heading for a desk nobody described. Without a token: the installation's own
counter. A token that does not check never reaches here (401 in front of the app). Nothing
personal: the names and region an operator wrote for the desk (decision 0291).
"""

from __future__ import annotations

from flask import jsonify, request

from .blueprint import bp, service
from .requester import counter


@bp.get("/api/v1/counter")
def counter_identity():
    verifier = service()
    asking = counter(request.environ)
    profile = verifier.counters.of(asking)
    return jsonify(counter_id=profile.id, name_zh=profile.counter.name_zh,
                   name_en=profile.counter.name_en, region=profile.place.region,
                   configured=asking is not None and asking in verifier.config.counters)
