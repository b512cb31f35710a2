"""The one Settings object (pydantic-settings), validated at start-up."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = f"sqlite+aiosqlite:///{ROOT / 'var' / 'rapport.db'}"


def is_loopback(host: str) -> bool:
    if host in {"localhost", ""}:
        return host == "localhost"
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RAPPORT_", extra="ignore", populate_by_name=True)

    database_url: str = DEFAULT_DB
    # Per worker process: replicas x workers x (pool + overflow) must stay under PostgreSQL's
    # max_connections (100 by default), or put PgBouncer in front.
    db_pool_size: int = Field(10, ge=1, le=200)
    db_max_overflow: int = Field(10, ge=0, le=200)
    engine: Literal["scripted", "llm"] | None = None  # None: llm when an endpoint/key is set
    auth: Literal["keys", "open"] = "keys"
    host: str = "127.0.0.1"
    port: int = 8000

    llm_base_url: str | None = Field(
        None, validation_alias=AliasChoices("RAPPORT_LLM_BASE_URL", "OPENAI_BASE_URL")
    )
    llm_api_key: str | None = Field(
        None, validation_alias=AliasChoices("RAPPORT_LLM_API_KEY", "OPENAI_API_KEY")
    )
    llm_model: str = "gpt-4o-mini"
    llm_timeout: float = 20.0
    llm_max_retries: int = 2
    # Stop sequences sent per call (a speaker's label at the start of a line): OpenAI takes up
    # to 4; 0 for models that refuse `stop` (OpenAI's reasoning models).
    llm_max_stop_sequences: int = Field(4, ge=0, le=16)
    # Every call is bounded (issue 17: with no max_tokens a summary ran on to 3,584 tokens in
    # 90 s on a small local model). A reply's budget is for the stages where the persona says
    # the most (discovery, opportunity); shorter stages get a share of it (app/llm/engine.py).
    llm_reply_max_tokens: int = Field(200, ge=16, le=4096)
    llm_summary_max_tokens: int = Field(260, ge=32, le=4096)
    llm_judge_max_tokens: int = Field(400, ge=64, le=4096)
    llm_simulator_max_tokens: int = Field(200, ge=16, le=4096)
    # OpenAI's reasoning models take only max_completion_tokens; llama.cpp, Ollama, vLLM and
    # OpenAI's other models take max_tokens.
    llm_max_tokens_field: Literal["max_tokens", "max_completion_tokens"] = "max_tokens"
    # Greedy decoding is where small models loop: the summariser samples a little and is
    # penalised for repeating itself. The judge stays at 0 (its JSON repeats keys by design).
    llm_summary_temperature: float = Field(0.2, ge=0.0, le=2.0)
    llm_frequency_penalty: float = Field(0.3, ge=-2.0, le=2.0)
    # Requests this process sends the endpoint at once: its slots (llama.cpp --parallel,
    # OLLAMA_NUM_PARALLEL) divided by the workers sharing it. Replies wait for a slot and take
    # one from background work (summary, judge), which is skipped when none is free. 0: no
    # limit (OpenAI, or vLLM, which batches whatever it is sent).
    llm_concurrency: int = Field(0, ge=0, le=1024)
    # With a concurrency limit: seconds after a reply before background work (a summary) may
    # take the slot, so a learner's quick next message does not wait behind it.
    llm_background_delay: float = Field(0.0, ge=0.0, le=60.0)
    # The most a streamed reply waits for its first token, queueing and retries included: a
    # server that sends `: ping` while the request waits for a slot never trips the read timeout.
    llm_first_token_timeout: float = Field(15.0, gt=0)
    # Where the persona's per-turn directions (stage, mood, example lines) go: at the end of the
    # system prompt, which every chat template accepts, or in a system message after the
    # conversation ("last"), so that the prompt's start stays the same from turn to turn and a
    # server that caches prompt prefixes (llama.cpp, vLLM's prefix caching, OpenAI) reads only
    # the new lines. Some templates (Mistral's, Gemma's) refuse a system message there.
    llm_directions: Literal["system", "last"] = "system"
    # The most the conversation itself (the running summary and the lines kept verbatim) takes of
    # a persona prompt, in o200k tokens (a local model's tokenizer counts ~10% more): older lines
    # are left out past it, even when the summariser lags or its summaries are refused.
    llm_history_tokens: int = Field(800, ge=100, le=100_000)
    # The context window the endpoint gives one request (llama.cpp's `-c` per slot, Ollama's
    # OLLAMA_CONTEXT_LENGTH, vLLM's --max-model-len), in the server's tokens. When set, a reply's
    # prompt plus its max_tokens is kept inside it: older lines are left out first. Our o200k count
    # is scaled by what the server reports it read (usage.prompt_tokens), learned as replies come.
    llm_context_tokens: int | None = Field(None, ge=512, le=10_000_000)
    # The idle/read timeout of the proxy in front (60 s on most load balancers): a reply that
    # has not finished, retries included, a few seconds before it is answered 503 by us instead
    # of being cut by the proxy with the lease still held.
    proxy_timeout: float = Field(60.0, ge=10)
    # The scripted engine's reply lease: milliseconds of work, but a loaded machine can stall
    # for seconds, and a lease that runs out mid-reply lets a retry ask for the reply again.
    scripted_lease_seconds: float = Field(10.0, gt=0, le=600)
    # When set, GET /metrics needs `Authorization: Bearer <token>`; when not, it answers only
    # loopback clients (a sidecar or a local agent) unless auth is open (development).
    metrics_token: str | None = None
    feedback_judge: Literal["local", "llm"] = "local"

    personas_dir: Path = ROOT / "personas"
    prompts_dir: Path = ROOT / "prompts"

    max_turns: int = Field(40, ge=1, le=500)
    max_body_bytes: int = 64 * 1024
    max_persona_bytes: int = 512 * 1024  # persona uploads: lines with variants and questions
    # Personas one tenant (key) may own: a bound on what its listings and storage can cost.
    max_tenant_personas: int = Field(100, ge=0)
    rate_limit_per_minute: int = 120
    # Requests with a missing, unknown or refused key, per client address: past this, 429 without
    # a database lookup until the minute has passed.
    auth_failures_per_minute: int = Field(30, ge=1)
    # Proxies whose X-Forwarded-For names the client (addresses or networks, comma-separated).
    # Anyone else's X-Forwarded-For is ignored: it is a header any client can write.
    trusted_proxies: Annotated[
        tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...], NoDecode
    ] = ()
    # Keys (and unknown keys) looked up in the last few seconds: a revoked key stops working
    # within key_cache_seconds on every worker; key_cache_size bounds the memory it can take.
    key_cache_size: int = Field(4096, ge=1)
    key_cache_seconds: float = Field(5.0, ge=0)
    redis_url: str | None = None

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _networks(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, list | tuple):
            return tuple(ipaddress.ip_network(str(v), strict=False) for v in value)
        return value

    @model_validator(mode="after")
    def _resolve_engine(self) -> Settings:
        if self.engine is None:
            self.engine = "llm" if (self.llm_base_url or self.llm_api_key) else "scripted"
        return self

    @property
    def resolved_engine(self) -> Literal["scripted", "llm"]:
        assert self.engine is not None
        return self.engine

    @property
    def reply_deadline_seconds(self) -> float:
        """The most a reply may take, the model's retries included: under the proxy's timeout."""
        return min(self.llm_timeout * (self.llm_max_retries + 1), self.proxy_timeout - 5.0)

    @property
    def reply_lease_seconds(self) -> float:
        """How long a reply counts as being written, before a retry may redo it: what a worker
        that died mid-reply makes the retry wait. Scripted replies take milliseconds."""
        if self.resolved_engine == "scripted":
            return self.scripted_lease_seconds
        return self.reply_deadline_seconds + 5.0

    def check_bind(self, host: str | None = None) -> None:
        """Refuse open auth on a non-loopback address: anyone could read every conversation."""
        host = self.host if host is None else host
        if self.auth == "open" and not is_loopback(host):
            raise ValueError(
                f"RAPPORT_AUTH=open is only allowed on a loopback address, not {host!r}; "
                "use RAPPORT_AUTH=keys and create a key with `rapport keys create`."
            )


@lru_cache
def get_settings() -> Settings:
    return Settings()
