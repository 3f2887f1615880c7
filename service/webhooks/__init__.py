"""Adapters for the email platforms' event webhooks: verify a delivery, then read its events.

Each adapter module has one entry point taking the raw body, the request headers, the receiver
and a `Verification` context, and returns the events as `engine.webhooks.PlatformEvent`s (or,
for SNS, what the message asks). A delivery that does not verify raises `DeliveryRefused` before
anything is parsed beyond what the signature itself needs.
"""
