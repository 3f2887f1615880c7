"""The HTTP edge: body limits, header checks, request ids, logs, metrics, the docs portal."""
