"""Conversion jobs: creating, listing and deleting them, and the queue that runs them."""
