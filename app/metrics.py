"""Prometheus metrics (served at /metrics)."""

from prometheus_client import Counter, Histogram

REQUESTS = Counter("rapport_http_requests_total", "HTTP requests", ["method", "route", "status"])
REQUEST_SECONDS = Histogram("rapport_http_request_seconds", "HTTP request latency", ["route"])
TURNS = Counter("rapport_turns_total", "Turns answered", ["engine"])
TURN_SECONDS = Histogram(
    "rapport_turn_seconds",
    "Time to answer a turn, model included",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
GENUINE_INTEREST = Counter("rapport_feedback_total", "Feedback given", ["value"])
OUTCOMES = Counter("rapport_outcomes_total", "Conversations ended", ["outcome"])
LLM_FAILURES = Counter("rapport_llm_failures_total", "Replies the model failed to produce")
RATE_LIMIT_STORE_ERRORS = Counter(
    "rapport_rate_limit_store_errors_total", "Requests let through because the limit store failed"
)
