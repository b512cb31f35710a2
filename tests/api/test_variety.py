"""Over the API: learners without a seed meet a persona whose lines go round (one record per
process), and a conversation with a seed replays exactly, whatever happened in between."""

from tests.api.helpers import LISTENER_TO_RECRUITER, say, start


async def test_learners_without_a_seed_meet_different_openings(client):
    openings = [(await start(client, "investor"))["messages"][0]["content"] for _ in range(6)]
    assert len(set(openings)) == 6


async def test_a_seeded_conversation_replays_whatever_was_said_in_between(client):
    async def seeded() -> list[str]:
        conversation = await start(client, "recruiter", seed="replay-between")
        lines = [conversation["messages"][0]["content"]]
        for line in LISTENER_TO_RECRUITER[:3]:
            lines.append((await say(client, conversation["id"], line)).json()["reply"]["content"])
        return lines

    first = await seeded()
    for _ in range(3):  # other learners, no seed: they move the shared record on
        other = await start(client, "recruiter")
        for line in LISTENER_TO_RECRUITER[:3]:
            await say(client, other["id"], line)
    assert await seeded() == first
