"""Administration: every user's balance and usage, credit adjustments, any job's costs."""
