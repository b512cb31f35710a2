"""After the conversation: the listening recall check and the follow-up note coach. Pure.

`revealed` decides what a persona told the learner in one conversation; `recall` scores the
learner's free-text answer to "What did you learn about them?" against it; `notes` coaches the
follow-up message they would send the next day. Like `feedback/`, nothing here does I/O beyond
loading the shipped embedding weights and the note model.
"""
