"""The API's operations: a handler per operationId, views of engine records, body validation."""
