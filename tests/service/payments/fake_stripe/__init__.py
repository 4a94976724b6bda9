"""A fake Stripe API that runs as its own process, for tests of the Stripe client."""
