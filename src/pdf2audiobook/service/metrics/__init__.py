"""Prometheus metrics: what every process of the service counts, and `/metrics` adding it up."""
