"""The holder's web wallet: claim a licence to a device key, present it live by QR code.

The wallet runs in the browser (wallet/static/); `wallet.web` serves it. See docs/wallet.md.
"""
