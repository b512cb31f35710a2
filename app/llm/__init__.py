"""Personas over any OpenAI-compatible endpoint.

Built once per process from Settings (see app/services/runtime.py):

    client = LLMClient.from_settings(settings)      # ChatOpenAI: base URL, key, timeout, retries
    prompts = PromptLibrary(settings.prompts_dir)   # prompts/*.j2
    engine = LLMEngine(client, prompts)             # PersonaEngine, name "llm"
    judge = FeedbackJudge(client, prompts)          # when RAPPORT_FEEDBACK_JUDGE=llm
    ...
    await client.aclose()                           # on shutdown

`python -m app.llm.fake` serves a deterministic OpenAI-compatible fake for tests and key-less
demos; `python -m app.llm.bench` measures latency, throughput, CPU and prompt size against it.
"""
