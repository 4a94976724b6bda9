"""Products: what is on sale (credit packs, subscriptions) and the free allowance, as data."""
