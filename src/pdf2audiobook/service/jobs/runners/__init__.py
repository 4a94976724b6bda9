"""Runners: what delivers stage messages, in this process's pool or on Celery workers."""
