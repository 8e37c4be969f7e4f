"""Hard limits every decoder enforces before (or while) parsing. Part of the format spec."""

from __future__ import annotations

MAX_TEXT_CHARS = 4296  # the most alphanumeric characters a QR code (version 40-L) holds
MAX_PAYLOAD_BYTES = 2864  # base45 of MAX_TEXT_CHARS decodes to at most this many bytes
MAX_CBOR_BYTES = 8192  # after decompression; a zlib bomb stops here
MAX_CBOR_DEPTH = 4  # nesting of arrays/maps (ELP1 body > licence > claims > list value)
MAX_CBOR_ITEMS = 512  # data items in one CBOR document
MAX_CLAIMS = 32  # claims in one schema and in one disclosure
MAX_PROOF_DEPTH = 20  # batch subtree of at most 2**20 licences
MAX_SUBTREES = 16  # subtrees (= signed roots) per issuance batch
MAX_CHALLENGE_BYTES = 16
# A live presentation is accepted up to this many seconds after the time it carries, and
# up to PRESENTATION_CLOCK_SKEW seconds before it (a phone clock running a little fast).
PRESENTATION_MAX_AGE = 60
PRESENTATION_CLOCK_SKEW = 30
