"""The job API: routes, request and response shapes, and the use cases behind them."""
