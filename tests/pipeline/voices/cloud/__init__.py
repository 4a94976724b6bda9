"""Cloud speech providers, tested against local servers speaking their wire protocols."""
