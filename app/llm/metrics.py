"""Prometheus metrics of the model calls, served with the app's others at /metrics."""

from prometheus_client import Counter, Histogram

LLM_CALLS = Counter("rapport_llm_calls_total", "Calls to the language model", ["call", "outcome"])
LLM_CALL_SECONDS = Histogram(
    "rapport_llm_call_seconds",
    "Time a model call took, retries included",
    ["call"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64),
)
LLM_TOKENS = Counter(
    "rapport_llm_tokens_total", "Tokens sent to and received from the model", ["kind"]
)
GUARD_VIOLATIONS = Counter(
    "rapport_llm_guard_violations_total", "Persona drafts that broke character", ["kind"]
)
JUDGE_FALLBACKS = Counter(
    "rapport_llm_judge_fallbacks_total",
    "Turns where the local feedback stood in for the judge",
    ["reason"],
)
SUMMARIES_REFUSED = Counter(
    "rapport_llm_summaries_refused_total",
    "Running summaries not stored (or not put in a prompt) because they failed a check",
    ["reason"],
)
