"""Cloud speech providers, each speaking its service's documented wire protocol."""
