"""Generated from openapi.yaml (`make stubs`): the msgspec request and response models."""
