"""Credits: the ledger every balance is summed from, what voices cost, holds for jobs."""
