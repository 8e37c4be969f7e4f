"""A holder takes a licence into a wallet: one-time claim codes (codes), the claim exchange
that binds a copy to a device key (exchange) and its HTTP blueprint (web)."""
