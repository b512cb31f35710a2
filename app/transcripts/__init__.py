"""Real conversations, read from a transcript file and scored like a practice one.

`parse` reads plain "Name: line" text, WebVTT, SRT or JSON into speaker turns; `score` runs the
analyzer over the learner's turns and builds the same report a practice conversation gets. Both
are pure (no I/O, no database), so the API, `rapport score` and the tests share them.
"""
