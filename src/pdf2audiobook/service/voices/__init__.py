"""The voice catalogue as the API shows it."""
