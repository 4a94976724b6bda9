"""A job's record from submission to deletion: its rows, options, stored files and clean-up."""
