"""The composition root of elicence: the `elicence` command and (later) the web app factory.

Everything here only wires together the parts in licence/, chain/, issuer/, verifier/
and wallet/; no behaviour of its own lives here.
"""
