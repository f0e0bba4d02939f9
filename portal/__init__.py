"""The client portal blueprint: client self-service (views and forms only)."""
