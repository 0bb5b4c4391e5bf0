"""The limits and names of the list APIs (GET /calls, /blasts, /usage, /alerts), shared by
their declarations (api/lists.py, imported at every cold start) and the store that
serves them (store/listing.py, store/alerts.py, store/usage.py)."""

MIN_PAGE_SIZE, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE = 1, 1000, 50
# The most items a filtered page reads (besides pageSize + 1): past it the page ends with
# a nextPageToken, however few items matched (STYLE 18).
MAX_READ = 2000
MAX_TOKEN_CHARS = 512
MAX_USAGE_DAYS = 366

# Alerts: how bad, and what went wrong (a status callback's delivery, a carrier, a text,
# work that did not start or fire, throttling that lasted).
ERROR, WARNING = "error", "warning"
ALERT_LEVELS = (ERROR, WARNING)
CALLBACK, CARRIER, TEXT, WORK, THROTTLE = "callback", "carrier", "text", "work", "throttle"
ALERT_KINDS = (CALLBACK, CARRIER, TEXT, WORK, THROTTLE)
ALERT_KEEP_DAYS = 30
