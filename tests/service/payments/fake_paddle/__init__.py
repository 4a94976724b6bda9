"""A fake Paddle Billing API that runs as its own process, for tests of the Paddle client."""
