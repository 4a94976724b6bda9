"""Payment providers' signed webhooks: stored once in an inbox, applied once."""
