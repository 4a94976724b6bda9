"""Liveness and readiness of the service's dependencies."""
