"""The reporting pages: report runs and their reports (runs.py, report.py) and service returns
(service_returns.py)."""
