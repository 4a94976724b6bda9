"""Celery workers on Redis: the queue side of jobs split into extraction, chapters and assembly."""
