"""Tips from three conversations held in `rapport chat` (a pitcher, a listener who closes with an
ask, a sarcastic user) that a coach would not sign.

The history and the moves are written out here, not analysed, so each test checks what the tip
says for that moment whatever the analyzer decides.
"""

from __future__ import annotations

import re

from app.feedback.analyzer import Analyzer
from app.feedback.context import build_context
from app.feedback.hooks import find_hooks
from app.feedback.tips import answers, says_goodbye, tip_for
from app.feedback.types import Move, Utterance

F, R, A = Move.FOLLOW_UP_QUESTION, Move.REFLECTION, Move.ACKNOWLEDGEMENT

# Denise, a VP of operations, on a discovery call with a seller.
DENISE = (
    "Hi there. I'll be upfront: I take about one of these calls a month, and yours got lucky. "
    "What did you want to talk about?",
    "Look, we're the truck behind the kitchen. Produce, dairy, dry goods, six days a week. "
    "Have you ever worked a night shift?",
    "That's the product. What about us?",
    "Look, I'm going to stop you. Ask me something first. Let's wrap up soon.",
)
SELLER = (
    "Thanks for taking the call Denise. Quick one: how many pickers do you have on the floor "
    "right now?",
    "Got it. And who else would need to approve a purchase like ours?",
    "Makes sense. We cut picking errors by 30% for companies like yours. Does Tuesday work for "
    "a demo?",
    "What's your budget for this quarter?",
)
RESTAURANTS = "What are your restaurant customers like to serve?"

# Priya, a recruiter at a careers fair, with a user who listens.
PRIYA = (
    "Hi! Perfect timing, the line just cleared. I'm Priya, I hire engineers for Northwind "
    "Health. Having a good day so far?",
    "Honestly? Great question. I was a chemistry teacher, believe it or not. I loved the kids "
    "and hated the budget meetings, and recruiting turned out to use the same muscles: reading "
    "people, explaining things, a lot of patience.",
    "Okay, you want the real answer? What I miss most about teaching is seeing someone get it, "
    "that little click. I get a version of it here when someone who doubted themselves gets the "
    "offer. That call is still the best part of my job.",
    "Yeah. You put that better than I did. I've forgotten hundreds of impressive resumes. I "
    "haven't forgotten the people who asked me something new. Can I tell you something that's "
    "not in any job description? The manager I work with most, Marcus, rejects people who never "
    "ask about the nurses. Brilliant engineers, gone, because they only asked about the stack.",
    "Yes, exactly. Letting people down gently, over and over. I'm good at it, and I still don't "
    "like it. Honestly, this is the kind of conversation that makes me think of a role we "
    "haven't posted. Data platform, senior, small team, very real impact. It goes public in a "
    "few weeks, and Marcus would rather meet people before that.",
    "Right, that's exactly the feeling. Honestly, I'm tired. I lost three colleagues last year "
    "and kept their workload. I love this company, but I've started to wonder if I'm the right "
    "size for it anymore. Honestly, I think you and Marcus would get along. Can I set up a "
    "coffee? No pressure, no resume required.",
)
LISTENER = (
    "Hi Priya, it's going well, a bit overwhelming honestly. How did you end up in recruiting?",
    "Chemistry to recruiting, that's a jump. What do you miss most about teaching?",
    "So the offer call is your version of that click. What makes a conversation at a fair stick "
    "with you?",
    "That makes sense. What's the hardest part of the job right now?",
    "That sounds like a lot to carry on your own. How are you holding up?",
    "Thank you for being so open. Would you be open to introducing me to Marcus? I'd love to "
    "hear how the data platform team works.",
)

# Marisol, an SRE in a conference coffee queue, with a sarcastic user.
MARISOL = (
    "This queue is moving slower than our deploy pipeline. Were you in the incident-response "
    "talk too?",
    "Your absolute favourite? Huh. Okay.",
    "Mm. Spoken like someone who hasn't carried a pager.",
    "Which talk are you going to next?",
    "Yeah. The queue, huh. Anyway. I think the next talk starts soon.",
)
SARCASTIC = (
    "oh great, another queue. my absolute favourite.",
    "wow, an outage story. never heard one of those before lol",
    "sure. hope the pager pays the rent",
    "ok",
    "cool",
)

FILLER_QUESTIONS = (
    "What drew you to that?",
    "What's that like for you?",
    "What did you do next?",
    "What has it been like for you since?",
    "How did that come about for you?",
)


def _history(partner: tuple[str, ...], user: tuple[str, ...], turn: int) -> list[Utterance]:
    """The conversation up to the partner's line before the user's turn `turn` (0-based)."""
    history: list[Utterance] = []
    for i in range(turn + 1):
        history.append(Utterance("persona", partner[i]))
        if i < turn:
            history.append(Utterance("user", user[i]))
    return history


def _tip(
    partner: tuple[str, ...],
    user: tuple[str, ...],
    turn: int,
    moves: list[Move],
    evidence: dict[Move, str] | None = None,
    suggestion: str | None = None,
) -> str:
    ctx = build_context(_history(partner, user, turn))
    return tip_for(user[turn], moves, ctx, evidence or {}, suggestion=suggestion)


def _suggested(tip: str) -> list[str]:
    return re.findall(r'"([^"]+\?)"', tip)


def _claimed(tip: str) -> str | None:
    found = re.search(r'You (?:picked up|put|named what is hard in) "([^"]+)"', tip)
    return found.group(1) if found else None


# ------------------------------------------------------------------ what the user picked up


def test_a_greeting_with_her_name_claims_no_pick_up_of_the_name() -> None:
    tip = _tip(
        PRIYA, LISTENER, 0, [F, Move.NEW_TOPIC_QUESTION], {F: "How did you end up in recruiting?"}
    )
    assert "Priya" not in tip, tip
    assert _claimed(tip) is None, tip


def test_a_question_about_pickers_did_not_pick_up_how_often_she_takes_calls() -> None:
    tip = _tip(
        DENISE,
        SELLER,
        0,
        [F],
        {F: "Quick one: how many pickers do you have on the floor right now?"},
    )
    assert "one of these calls" not in tip, tip
    assert _claimed(tip) is None, tip


def test_picked_up_quotes_her_clause_the_question_built_on() -> None:
    # (The question alone: with "Chemistry to recruiting, that's a jump." before it, the tip
    # names that said-back sentence instead.)
    asked = (LISTENER[0], "What do you miss most about teaching?", *LISTENER[2:])
    tip = _tip(PRIYA, asked, 1, [F], {F: "What do you miss most about teaching?"})
    assert _claimed(tip) == "I was a chemistry teacher", tip


def test_a_reflection_quotes_the_words_it_said_back_not_a_keyword_bag() -> None:
    tip = _tip(
        PRIYA,
        LISTENER,
        2,
        [F, R],
        {
            R: "So the offer call is your version of that click.",
            F: "What makes a conversation at a fair stick with you?",
        },
    )
    claimed = _claimed(tip)
    assert claimed and claimed in PRIYA[2] and "offer" in claimed, tip


def test_that_makes_sense_is_not_putting_her_words_into_your_own() -> None:
    tip = _tip(
        PRIYA,
        LISTENER,
        3,
        [F, R, A],
        {
            R: "That makes sense.",
            A: "That makes sense",
            F: "What's the hardest part of the job right now?",
        },
    )
    assert "impressive resumes" not in tip, tip
    assert "into your own words" not in tip, tip


def test_a_feeling_reflection_names_the_hard_part_not_the_role_news() -> None:
    tip = _tip(
        PRIYA,
        LISTENER,
        4,
        [F, R],
        {
            R: "That sounds like a lot to carry on your own.",
            F: "How are you holding up?",
        },
    )
    assert "goes public" not in tip, tip
    claimed = _claimed(tip)
    assert claimed is None or "Letting people down" in claimed or "don't like" in claimed, tip
    assert "How are you holding up?" not in _suggested(tip), tip  # she was just asked it


# ------------------------------------------------------------------ the suggested question


def test_the_authored_question_is_not_suggested_turn_after_turn() -> None:
    tips = [
        _tip(DENISE, SELLER, turn, moves, suggestion=RESTAURANTS)
        for turn, moves in (
            (1, [Move.PITCH, Move.TOPIC_HIJACK]),
            (2, [Move.PITCH]),
            (3, [Move.PITCH, Move.TOPIC_HIJACK]),
        )
    ]
    suggested = [q for tip in tips for q in _suggested(tip)]
    assert sum(q == RESTAURANTS for q in suggested) == 1, tips
    assert len(set(suggested)) == len(suggested), tips


def test_no_tip_suggests_a_filler_question() -> None:
    cases = [
        (MARISOL, SARCASTIC, 0, []),
        (MARISOL, SARCASTIC, 1, [Move.DISMISSIVE]),
        (MARISOL, SARCASTIC, 2, []),
        (MARISOL, SARCASTIC, 3, [Move.MINIMAL]),
        (MARISOL, SARCASTIC, 4, [Move.MINIMAL]),
    ]
    for partner, user, turn, moves in cases:
        tip = _tip(partner, user, turn, moves)
        for filler in FILLER_QUESTIONS:
            assert filler not in tip, tip


def test_a_one_word_answer_to_which_talk_gets_answer_then_ask_back() -> None:
    tip = _tip(MARISOL, SARCASTIC, 3, [Move.MINIMAL])
    assert '"Which talk are you going to next?"' in tip
    assert "since" not in tip and not _suggested(tip).count("What has it been like for you since?")
    assert re.search(r"ask (?:them )?(?:the same|back|one thing)", tip), tip


def test_a_direct_question_left_unanswered_gets_answer_it_first() -> None:
    tip = _tip(MARISOL, SARCASTIC, 0, [])
    assert '"Were you in the incident-response talk too?"' in tip, tip
    assert "answer" in tip.lower(), tip
    assert "queue is moving slower" not in tip, tip


def test_the_same_question_is_never_suggested_twice_in_a_conversation() -> None:
    tips = [_tip(PRIYA, LISTENER, turn, [F]) for turn in range(5)]
    suggested = [q for tip in tips for q in _suggested(tip)]
    assert len(set(suggested)) == len(suggested), tips


def test_a_question_the_user_already_asked_is_not_suggested() -> None:
    # the user asked "How are you holding up?"; her next line is bad news
    history = _history(PRIYA, LISTENER, 5)
    tip = tip_for("I'm so sorry.", [A], build_context(history))
    assert "How are you holding up?" not in tip, tip


# ------------------------------------------------------------------ what to quote


def test_jabs_and_conversation_management_are_never_the_detail_to_pick_up() -> None:
    for partner, user, turn, moves in (
        (MARISOL, SARCASTIC, 2, []),
        (MARISOL, SARCASTIC, 4, [Move.MINIMAL]),
        (DENISE, SELLER, 3, [Move.PITCH, Move.TOPIC_HIJACK]),
        (DENISE, SELLER, 2, [Move.PITCH]),
    ):
        tip = _tip(partner, user, turn, moves)
        for bad in (
            "Spoken like",
            "I'm going to stop you",
            "next talk starts soon",
            "wrap up soon",
            "one of these calls",
            "queue is moving slower",
            "That's the product",
        ):
            assert bad not in tip, tip


def test_after_ask_me_something_the_tip_points_at_her_business() -> None:
    tip = _tip(DENISE, SELLER, 3, [Move.PITCH, Move.TOPIC_HIJACK])
    assert "Ask me something first" in tip, tip
    assert "truck behind the kitchen" in tip, tip
    assert _suggested(tip) and not re.search(r"budget|demo|approve", " ".join(_suggested(tip)))


# ------------------------------------------------------------------ closing


def test_an_accepted_ask_at_the_end_of_a_warm_talk_gets_a_closing_tip() -> None:
    tip = _tip(
        PRIYA,
        LISTENER,
        5,
        [A],
        {A: "Thank you for being so open"},
        suggestion="What keeps you going when it gets this hard?",
    )
    assert "What keeps you going" not in tip, tip
    assert not _suggested(tip), tip
    low = tip.lower()
    assert "thank" in low and "next step" in low and "remember" in low, tip


def test_after_she_says_yes_to_the_intro_the_tip_is_still_about_closing() -> None:
    history = [
        *_history(PRIYA, LISTENER, 5),
        Utterance("user", LISTENER[5]),
        Utterance(
            "persona",
            "Of course. Marcus would enjoy talking to you. "
            "Let me set up a coffee with him next week.",
        ),
    ]
    tip = tip_for("That would be great.", [A], build_context(history))
    assert not _suggested(tip), tip
    assert "thank" in tip.lower() and "next step" in tip.lower(), tip


# ------------------------------------------------------------------ sarcasm


def test_sarcasm_marked_dismissive_gets_what_landed_badly_and_a_sincere_version() -> None:
    tip = _tip(MARISOL, SARCASTIC, 1, [Move.DISMISSIVE], {Move.DISMISSIVE: "wow, an outage story."})
    assert "wow, an outage story" in tip, tip
    assert re.search(r"put-down|sarcasm|irony", tip, re.I), tip
    sincere = re.findall(r'"([^"]+)"', tip)[-1]
    assert "outage" in sincere and "lol" not in sincere, tip
    for filler in FILLER_QUESTIONS:
        assert filler not in tip


def test_a_put_down_about_her_pager_gets_a_sincere_question_about_the_pager() -> None:
    tip = _tip(
        MARISOL, SARCASTIC, 2, [Move.DISMISSIVE], {Move.DISMISSIVE: "hope the pager pays the rent"}
    )
    assert "hope the pager pays the rent" in tip, tip
    sincere = re.findall(r'"([^"]+)"', tip)[-1]
    assert "pager" in sincere and sincere.endswith("?"), tip
    assert "Spoken like" not in tip


# ------------------------------------------------------------------ the replay in tmux


def test_a_hospital_network_is_no_bad_news() -> None:
    history = [
        Utterance("persona", PRIYA[0]),
        Utterance("user", LISTENER[0]),
        Utterance(
            "persona",
            "Honestly, I fell into it. I was teaching, worn down by the budget meetings, "
            "and a friend needed recruiters at her hospital network.",
        ),
    ]
    tip = tip_for(LISTENER[1], [F], build_context(history), {F: LISTENER[1].split(". ")[-1]})
    assert "sorry" not in tip.lower() and "holding up" not in tip, tip
    assert _claimed(tip) == "I was teaching", tip


def test_pushback_lines_do_not_make_the_authored_question_fresh_again() -> None:
    partner = (
        DENISE[0],
        "Huh. Nobody asks that. Family-owned, second generation. About 300 people and 60 trucks.",
        "Hold on. What do you know about our warehouses?",
        "Here's the thing: I didn't book a demo. Okay. Anything else quickly?",
    )
    tips = [_tip(partner, SELLER, turn, [Move.PITCH], suggestion=RESTAURANTS) for turn in (1, 2, 3)]
    suggested = [q for tip in tips for q in _suggested(tip)]
    assert suggested.count(RESTAURANTS) <= 1, tips
    for tip in tips:
        assert '"Hold"' not in tip and "book a demo" not in tip, tip


def test_a_statement_read_as_a_question_is_not_quoted_as_one_to_wait_on() -> None:
    history = [Utterance("persona", "Ha. Sure. Sure. What brings you to the summit?")]
    moves = [Move.NEW_TOPIC_QUESTION, Move.SELF_DISCLOSURE]
    tip = tip_for("sure. hope the pager pays the rent", moves, build_context(history))
    assert "Let them answer" not in tip, tip


def test_nearly_my_turn_is_a_goodbye() -> None:
    history = [
        Utterance("persona", MARISOL[0]),
        Utterance("user", "ok"),
        Utterance("persona", "Right. Okay. Nearly my turn."),
    ]
    tip = tip_for("cool", [Move.MINIMAL], build_context(history))
    assert "thank" in tip.lower() and not _suggested(tip), tip


def test_thanks_and_ones_own_next_step_is_a_goodbye() -> None:
    # Held in session 20 (`rapport chat`, Denise): "Thanks Denise, I'll send a note to set up the
    # visit and the call with Rachel." got "Honestly, no clue. Is it relevant to us?" from her
    # and a tip to ask "Which customers are you worried about losing?" next.
    message = (
        "So one to three a.m., produce side. I'll plan for that. Thanks Denise, I'll send a "
        "note to set up the visit and the call with Rachel."
    )
    assert says_goodbye(message)
    assert says_goodbye("Thanks, I'll be in touch about the pilot.")
    assert not says_goodbye("Thanks! What would you send first?")
    history = [Utterance("persona", DENISE[0]), Utterance("user", SELLER[0])]
    tip = tip_for(message, [Move.REFLECTION], build_context(history))
    assert not _suggested(tip), tip


def test_looking_at_the_schedule_is_a_goodbye_not_a_detail() -> None:
    history = [
        Utterance("persona", MARISOL[0]),
        Utterance("user", "ok"),
        Utterance("persona", "Sure. Yeah. I should look at the schedule."),
    ]
    tip = tip_for("cool", [Move.MINIMAL], build_context(history))
    assert "look at the schedule" not in tip and "thank" in tip.lower(), tip


def test_a_reflection_that_says_back_nothing_of_theirs_gets_no_praise() -> None:
    tip = _tip(MARISOL, SARCASTIC, 2, [R], {R: "sure."})
    assert "listening" not in tip and "own words" not in tip, tip
    assert "Spoken like" not in tip, tip


def test_the_authored_question_is_stale_once_her_latest_line_is_about_something_else() -> None:
    partner = (
        "Hi, Denise here. I've got about twenty minutes, so let's make them count. "
        "Where do you want to start?",
        "Keller Foods delivers produce, dairy, dry goods, everything a restaurant kitchen needs, "
        "six days a week. About 300 people, 60 trucks. Have you ever worked a night shift?",
        "Hold on. What do you know about our warehouses?",
        "Look, I've heard that pitch before, almost word for word, from the last vendor. "
        "Right. I've got a truck issue waiting.",
    )
    tips = [_tip(partner, SELLER, turn, [Move.PITCH], suggestion=RESTAURANTS) for turn in (1, 2, 3)]
    suggested = [q for tip in tips for q in _suggested(tip)]
    assert suggested.count(RESTAURANTS) <= 1, tips
    assert all("twenty minutes" not in tip for tip in tips), tips


def test_a_clause_ending_in_a_preposition_gives_no_broken_question() -> None:
    line = (
        "Okay. Skipping that, then. Regional food distribution. Think of every little taqueria "
        "and bistro between Sacramento and Monterey. That's who we deliver to."
    )
    tip = tip_for(
        "What's your budget for this quarter?",
        [Move.PITCH],
        build_context([Utterance("persona", line)]),
    )
    assert "deliver to?" not in tip and '"That\'s who we deliver"' not in tip, tip


def test_a_thank_you_for_coming_over_that_opens_the_answer_is_not_a_goodbye() -> None:
    # Held on 2026-12-03: the user answered her question and asked about teaching; the tip
    # said "They are wrapping up, so save new questions".
    opening = (
        "Welcome to the quietest booth in the hall, for about two minutes anyway. I'm Priya, "
        "engineering recruiter at Northwind Health. What brings you our way?"
    )
    answer = (
        "Oh hi, Alex, thanks for coming over. Honestly, I fell into it. I was teaching, worn "
        "down by the budget meetings, and a friend needed recruiters at her hospital network. "
        "Did you always want to do this, or did you take the scenic route?"
    )
    message = (
        "Scenic route for sure, I was in QA for three years. What was the hardest part of "
        "leaving teaching?"
    )
    history = (
        Utterance("persona", opening),
        Utterance("user", "Hi Priya, I'm Alex. How did you end up recruiting engineers?"),
        Utterance("persona", answer),
    )
    tip = tip_for(message, [F], build_context(history))
    # (The tip may quote her question, "...leaving teaching?": no goodbye frame is the point.)
    assert "wrapping up" not in tip and "let them go" not in tip and "they leave" not in tip, tip
    goodbye = (
        *history,
        Utterance("user", message),
        Utterance("persona", "Thanks for coming over!"),
    )
    assert "let them go" in tip_for("Bye!", [], build_context(goodbye))


def test_holding_a_coffee_or_saying_her_name_is_never_the_detail_a_pitcher_is_sent_back_to() -> (
    None
):
    # Held on 2026-12-03: "stay there instead of pitching, and ask 'What's next after getting
    # your coffee?'", then, with the coffee left out, a tip about "it's Denise".
    from app.feedback.analyzer import analyze

    opening = (
        "Hi, it's Denise. I've got my coffee and a list of fires, so let's be useful to each "
        "other. What are you trying to learn?"
    )
    for message in (
        "Thanks Denise. Quick one: how many pickers do you have on the floor?",
        "We cut picking errors by 30% for distributors your size. Does Tuesday work for a demo?",
    ):
        tip = analyze(message, (Utterance("persona", opening),)).tip
        assert "coffee" not in tip and "it's Denise" not in tip, tip


def test_a_user_who_answered_her_question_and_asked_back_is_not_told_to_answer_it() -> None:
    # Held on 2026-12-03: "Three, and somehow still asleep." answered "How many coffees are
    # you on?", and the tip said "answer it in a sentence with one real detail".
    history = (
        Utterance("persona", "Bueno, at this rate we'll get coffee by the closing keynote."),
        Utterance("user", "Ha, the queue is something."),
        Utterance("persona", "Mm, okay. How many coffees are you on?"),
    )
    message = "Three, and somehow still asleep. What did you make of the keynote?"
    for moves in ([], [Move.TOPIC_HIJACK]):
        tip = tip_for(message, moves, build_context(history))
        assert "answer that" not in tip and "answer it" not in tip, tip
    dodge = tip_for(
        "What did you make of the keynote?", [Move.TOPIC_HIJACK], build_context(history)
    )
    assert "How many coffees are you on?" in dodge


def test_a_short_answer_before_a_new_question_is_not_told_to_answer_first() -> None:
    # Held on 2026-12-03 (session 9): "Second time. Sorry, I meant are you giving a talk
    # yourself?" answered "Is this your first time at the summit?", and the tip said "answer
    # 'Is this your first time at the summit?' in a sentence with one real detail".
    history = (
        Utterance("persona", "Hi, nice lanyard. Where have you come in from?"),
        Utterance("user", "Seattle, just a short train ride. Are you speaking today?"),
        Utterance(
            "persona",
            "There's a community here if you look for it. Slack, meetups, the usual. "
            "Is this your first time at the summit?",
        ),
    )
    message = "Second time. Sorry, I meant are you giving a talk yourself?"
    tip = tip_for(message, [Move.NEW_TOPIC_QUESTION], build_context(history))
    assert "first time at the summit" not in tip, tip
    unanswered = tip_for(
        "Are you giving a talk yourself?", [Move.NEW_TOPIC_QUESTION], build_context(history)
    )
    assert "first time at the summit" in unanswered, unanswered


def test_two_pitches_in_a_row_are_not_sent_to_the_same_question() -> None:
    # Held on 2026-12-03 (session 9): both pitches were told to ask "What's the hardest part of
    # that for your team today?" about the pallet in aisle six.
    denise = (
        "Hi, it's Denise, sorry I'm a minute late, we had a pallet down in aisle six. "
        "What do you want to talk about?",
        "Stop there, please. Tell me what you'd want to learn from me.",
        "I'd be guessing. Where's the question coming from?",
    )
    seller = (
        "No problem! I'm with RouteWise, we cut delivery planning time by 40%. Who on your side "
        "signs off on new software?",
        "Sure. Does Tuesday work for a 30-minute demo?",
        "What's been the biggest headache this quarter? Our platform fixes most of those.",
    )
    suggested = [_suggested(_tip(denise, seller, turn, [Move.PITCH]))[-1:] for turn in (0, 2)]
    assert suggested[0] and suggested[1] and suggested[0] != suggested[1], suggested


def test_people_waiting_behind_you_is_a_goodbye_and_a_jab_is_nothing_to_remember() -> None:
    # Held on 2026-12-03 (session 9) with a one-word answerer: "say what you make of 'I've got
    # a couple of people waiting behind you' and ask one thing about it", and "name one thing
    # you will remember ('you're making me work for this one')".
    from app.feedback.analyzer import analyze

    history = (
        Utterance(
            "persona",
            "Oh, hi there, sorry, I'm guarding this coffee with my life. Priya, I do engineering "
            "hiring at Northwind Health. Are you enjoying the fair?",
        ),
        Utterance("user", "ok"),
        Utterance(
            "persona",
            "Ha, you're making me work for this one. What do you spend your days doing right now?",
        ),
        Utterance("user", "coding"),
        Utterance(
            "persona",
            "Okay, I'll do the talking then, fine by me. Mm, okay, I'll need to jump back to "
            "the booth in a sec.",
        ),
        Utterance("user", "yeah"),
        Utterance("persona", "Right, I've got a couple of people waiting behind you."),
    )
    for end in (5, 7):
        tip = analyze("cool", history[:end]).tip
        assert "making me work" not in tip and "ask one thing about it" not in tip, tip
        assert "Northwind Health" in tip, tip


def test_a_long_jab_is_quoted_to_the_end_of_a_phrase_not_mid_phrase() -> None:
    # Held on 2026-12-03 (session 8): the tip quoted "Oh wow, a truck being late, my".
    history = (
        Utterance(
            "persona",
            "Sorry I'm late, a supplier's truck turned up two hours late and the whole dock "
            "backed up. What did you want to talk about?",
        ),
    )
    jab = "Oh wow, a truck being late, my favourite thing in the world."
    tip = tip_for(jab, [Move.DISMISSIVE], build_context(history), {Move.DISMISSIVE: jab})
    assert '"Oh wow, a truck being late' in tip and "late, my" not in tip, tip


def test_a_number_before_the_noun_is_no_verb_for_the_sincere_version() -> None:
    # Seen in the w16-b02 tips (development data): "What's it like fourteening a services?".
    history = (
        Utterance(
            "persona", "We run fourteen services on one shared database, and it mostly works."
        ),
    )
    jab = "Honestly, fourteen services sounds like a mess waiting to happen."
    tip = tip_for(jab, [Move.DISMISSIVE], build_context(history), {Move.DISMISSIVE: jab})
    assert "fourteening" not in tip, tip


def test_a_light_verb_in_common_is_no_pick_up_of_their_line() -> None:
    # Held on 2026-12-03 (session 9): "what were you going to do instead" was said to pick up
    # "The talks that work are 'here's what went wrong" ("going" and "went").
    history = (
        Utterance(
            "persona",
            "About forty people in the back room of a brewery. The talks that work are 'here's "
            "what went wrong, here's what I'd change'. Ever done one of those incidents that "
            "lasts all night?",
        ),
    )
    message = (
        "A few, yes, a migration that ran until 5am once. But I'm curious, when you nearly quit, "
        "what were you going to do instead?"
    )
    evidence = {F: "I'm curious, when you nearly quit, what were you going to do instead"}
    tip = tip_for(message, [F, Move.SELF_DISCLOSURE], build_context(history), evidence)
    assert "went wrong" not in tip, tip


DENISE_OPENS = (
    "This is Denise, from Keller Foods. My rule on these calls is simple: you ask, I answer, "
    "nobody shares a screen. Where do you want to begin?"
)


def test_good_to_meet_you_and_a_question_is_a_greeting_not_a_goodbye() -> None:
    """Session 11, `rapport chat` with the prospect: a demo ask right after Denise said "Pat,
    okay, good to meet you. What's your job like, day to day?" got "They are wrapping up"."""
    history = [
        Utterance("persona", DENISE_OPENS),
        Utterance("user", "Hi Denise, I'm Pat from RouteIQ. We cut late deliveries by 30%."),
        Utterance("persona", "Pat, okay, good to meet you. What's your job like, day to day?"),
    ]
    moves = [Move.PITCH, Move.TOPIC_HIJACK]
    tip = tip_for("Would you have 20 minutes on Tuesday for a demo?", moves, build_context(history))
    assert "wrapping up" not in tip and "leaving" not in tip, tip


def test_good_to_meet_you_at_the_end_of_a_line_is_still_a_goodbye() -> None:
    history = [
        Utterance("persona", DENISE_OPENS),
        Utterance("user", "What does a normal week look like for you?"),
        Utterance("persona", "Forklifts, mostly. Anyway, that's my time. Good to meet you."),
    ]
    tip = tip_for(
        "How many warehouses do you run?", [Move.NEW_TOPIC_QUESTION], build_context(history)
    )
    assert "thank" in tip.lower(), tip


def test_a_dodged_question_is_named_not_a_detail_from_three_lines_up() -> None:
    # Held in session 12: after "Oh, nice. What's your team like?", "my team? riveting stuff,
    # spreadsheets all day. so what does reliability even mean at a trucking company lol" got
    # 'Earlier they mentioned "I promised myself I'd talk to one stranger today", and that is
    # where the conversation is': the opener, not the question the user stepped past.
    history = (
        Utterance(
            "persona",
            "Hi, I'm Marisol, and I promised myself I'd talk to one stranger today, so you're "
            "it. What do you work on?",
        ),
        Utterance("user", "I work on the data team at a logistics startup."),
        Utterance("persona", "Oh, nice. What's your team like?"),
    )
    message = (
        "my team? riveting stuff, spreadsheets all day. so what does reliability even mean at "
        "a trucking company lol"
    )
    tip = tip_for(message, [Move.TOPIC_HIJACK], build_context(history))
    assert "What's your team like?" in tip and "stranger" not in tip, tip


def test_the_partner_s_name_is_not_a_detail_to_be_curious_about() -> None:
    # Held in session 13 (`rapport chat`, recruiter): after "Hello, hello. Priya Raman,
    # engineering recruiter, Northwind Health. What's been the best booth so far?", a pitch got
    # 'They told you "Priya Raman"; before the job talk, be curious about that'.
    opener = (
        "Hello, hello. Priya Raman, engineering recruiter, Northwind Health. What's been the "
        "best booth so far, apart from this one?"
    )
    message = (
        "Honestly yours, since you're hiring. I'm a senior backend engineer, 8 years of Go. "
        "Do you have any senior backend roles open?"
    )
    tip = tip_for(
        message, [Move.SELF_DISCLOSURE, Move.PITCH], build_context((Utterance("persona", opener),))
    )
    assert '"Priya Raman"' not in tip and '"Northwind Health"' not in tip, tip


def test_you_ve_got_denise_is_an_introduction_not_a_detail() -> None:
    # Held in session 13 (`rapport chat`, prospect): "sure" got 'react to "you've got Denise" in
    # a full sentence and ask one thing about it'.
    opener = (
        "Hi there, you've got Denise. I'm between a dispatch meeting and a truck that's late. "
        "What's the first thing you want to understand?"
    )
    tip = tip_for("sure", [Move.MINIMAL], build_context((Utterance("persona", opener),)))
    assert "you've got Denise" not in tip, tip


def test_thanks_for_a_promised_favour_is_told_to_follow_through_not_to_ask_more() -> None:
    # Held in session 13 (`rapport chat`, alumni_mentor): after "I'll write to Ana this week and
    # put your name in front of her", "Thank you, Daniel. I'll send the portfolio tonight." got
    # 'turn the attention to them: ask them "When did you first get hooked on it?"'.
    history = (
        Utterance("persona", "I'd be glad to refer you to Ana."),
        Utterance("user", "I'd really like that, thank you. What's the best way to follow up?"),
        Utterance(
            "persona",
            "The honest answer is I was hoping you'd ask. I'll write to Ana this week and put "
            "your name in front of her.",
        ),
    )
    message = "Thank you, Daniel. I'll send the portfolio tonight. This was really kind of you."
    tip = tip_for(message, [Move.REFLECTION], build_context(history))
    assert "hooked" not in tip and "I'll send the portfolio tonight" in tip, tip


def test_i_ll_be_honest_with_you_is_a_lead_in_not_what_they_said() -> None:
    # Held in session 13 (`rapport chat`, alumni_mentor): 'You put "I'll be honest with you"
    # into your own words' after the learner reflected his nearly turning down the director job.
    line = (
        "I'll be honest with you, since you asked. When they made me director last year, I "
        "nearly said no. I never studied computer science."
    )
    assert all("honest" not in h.quote for h in find_hooks([line]))


def test_sarcasm_that_steps_past_their_question_is_told_to_answer_it() -> None:
    # Held in session 15: "oh great, small talk in a coffee queue. my absolute favourite." to
    # Marisol's "What brings you here?" got 'try "What's the best part of counting how many
    # lanyards say 'platform?"': a question on her joke, her own question left unanswered.
    history = (
        Utterance(
            "persona",
            "Hi, don't mind me, I'm counting how many lanyards say 'platform'. Marisol, from "
            "Freightline. What brings you here?",
        ),
    )
    message = "oh great, small talk in a coffee queue. my absolute favourite."
    tip = tip_for(message, [Move.TOPIC_HIJACK], build_context(history))
    assert "What brings you here?" in tip and "lanyards" not in tip, tip


def test_a_turn_with_no_move_that_leaves_their_question_waiting_is_told_to_answer_it() -> None:
    # Held in session 15: "oh wow, a platform engineer counting platform lanyards. how
    # thrilling." after "Who do you work with, day to day?" (no move found) got 'try "What's
    # the hardest part of counting how many lanyards say 'platform?"'.
    history = (
        Utterance(
            "persona",
            "Hi, don't mind me, I'm counting how many lanyards say 'platform'. Marisol, from "
            "Freightline. What brings you here?",
        ),
        Utterance("user", "oh great, small talk in a coffee queue. my absolute favourite."),
        Utterance("persona", "Sure, different topic. Who do you work with, day to day?"),
    )
    message = "oh wow, a platform engineer counting platform lanyards. how thrilling."
    tip = tip_for(message, [], build_context(history))
    assert "Who do you work with, day to day?" in tip and "lanyards" not in tip, tip


def test_a_layoff_long_past_told_as_a_step_of_a_career_is_no_bad_news() -> None:
    # Held in session 16: Daniel's "Wall Street first, laid off in 2009, and a water utility
    # caught me." got 'They just shared "laid off in 2009": put your own topic aside, say
    # you're sorry to hear it, and ask "Is anything helping right now?"'.
    history = (
        Utterance("persona", "Hi, hi, sit down. Daniel Osei. How is the job hunt treating you?"),
        Utterance("user", "Hi Daniel, thanks for making time. How did you end up in climate work?"),
        Utterance(
            "persona",
            "The honest answer is I stumbled in. Wall Street first, laid off in 2009, and a water "
            "utility caught me. Climate came after that.",
        ),
    )
    message = "A water utility after a hedge fund, that's a swerve. What did you work on there?"
    tip = tip_for(message, [F], build_context(history), {F: "What did you work on there?"})
    assert "sorry" not in tip.lower() and "helping right now" not in tip, tip
    # The same news this month is still met with care.
    recent = (
        *history[:2],
        Utterance("persona", "Honestly, rough month. I was laid off on Friday."),
    )
    tip = tip_for("Oh no. Are you okay?", [F], build_context(recent), {F: "Are you okay?"})
    assert "laid off" in tip, tip


def test_what_a_pitch_got_back_about_sign_offs_and_budget_is_not_a_detail_to_follow() -> None:
    # Held in session 16: after Denise's "It goes through the usual sign-offs. Let's not worry
    # about that yet.", "What's your budget looking like for Q1?" was told 'earlier they
    # mentioned "It goes through the usual sign-offs", so follow it with a question'.
    history = (
        Utterance("persona", DENISE[0]),
        Utterance("user", "Who signs off on software purchases over there?"),
        Utterance(
            "persona", "It goes through the usual sign-offs. Let's not worry about that yet."
        ),
        Utterance("user", "Would next Tuesday work for a demo?"),
        Utterance("persona", "Budget's always tight."),
    )
    tip = tip_for("What's your budget looking like for Q1?", [Move.PITCH], build_context(history))
    assert not any(d in tip for d in ("sign-offs", "Budget's", "worry about")), tip


def test_a_partner_slowing_down_for_a_one_word_answerer_is_not_a_detail() -> None:
    # Held in session 16: "idk" after Daniel's "Okay, okay, we'll go slowly." was told 'say
    # what you make of "we'll go slowly" and ask one thing about it'.
    for line in (
        "Okay, okay, we'll go slowly.",
        "Hm, I'll need to get back to the office before long.",
    ):
        history = (
            Utterance(
                "persona", "There you are, I'm Daniel. Ask me anything. Where shall we start?"
            ),
            Utterance("user", "hi"),
            Utterance("persona", line),
        )
        tip = tip_for("idk", [Move.MINIMAL], build_context(history))
        assert "go slowly" not in tip and "office" not in tip, tip


def test_next_before_a_thing_not_a_time_does_not_cut_the_quote_in_half() -> None:
    # Held in session 16: 'ask one honest question about "Mostly I make sure a truck in Nevada
    # gets its"': "next load" was cut as if it were "next week".
    history = (
        Utterance(
            "persona",
            "Reliability engineering at a logistics company. Mostly I make sure a truck in Nevada "
            "gets its next load before the driver runs out of hours.",
        ),
    )
    message = "wow, trucks in nevada. must be nice having such an exciting job."
    tip = tip_for(message, [Move.DISMISSIVE], build_context(history))
    assert 'gets its"' not in tip and "gets its next load" in tip, tip


def test_her_time_budget_is_not_a_detail_and_someone_waiting_for_her_is_a_goodbye() -> None:
    # Held in session 16 with a seller: 'then ask "What made you block twenty minutes?"', and
    # after "Right, I've got Luis waiting for me on the floor.", 'ask them one question about
    # that'.
    opener = (
        "Hi, Denise. Look, I've blocked twenty minutes and I've got three trucks out. What made "
        "you pick a distributor our size?"
    )
    history = (Utterance("persona", opener),)
    message = "How are you handling pick errors today, and what's that costing you a month?"
    tip = tip_for(message, [Move.TOPIC_HIJACK], build_context(history))
    assert "twenty minutes" not in tip and "What made you pick a distributor" in tip, tip
    history = (
        Utterance("persona", opener),
        Utterance("user", "Our platform cuts pick errors by 30%. Would Tuesday work for a demo?"),
        Utterance(
            "persona", "Okay, that's a brochure. Right, I've got Luis waiting for me on the floor."
        ),
    )
    message = (
        "Before you go, who else on your team would be involved in evaluating a tool like ours?"
    )
    tip = tip_for(message, [Move.PITCH, Move.TOPIC_HIJACK], build_context(history))
    assert "Luis" not in tip, tip


def test_budget_left_from_a_failed_project_is_no_bad_news() -> None:
    # Held in session 16: after Denise's "There's roughly a quarter million of unspent budget
    # from the failed project.", a follow-up question was told 'you made space for it, so let
    # them lead, and later ask "How are you doing with all of it?"'.
    history = (
        Utterance("persona", DENISE[0]),
        Utterance("user", "How do you keep the good pickers from leaving?"),
        Utterance(
            "persona",
            "Right, you put it better than my memo. Lots of veterans on nights. Luis, nineteen "
            "years. He can name the restaurant from the smell of the pallet. I'm not joking. Since "
            "you've been straight with me. There's roughly a quarter million of unspent budget "
            "from the failed project. Use it or lose it, September 30. Our CFO will want it in "
            "writing by August.",
        ),
    )
    message = (
        "Naming the restaurant from the smell of the pallet, that's amazing. What does Luis "
        "think would fix the produce aisles?"
    )
    evidence = {F: "What does Luis think would fix the produce aisles?", A: message[:60]}
    tip = tip_for(message, [A, F], build_context(history), evidence)
    assert "How are you doing" not in tip and "made space" not in tip, tip


def test_one_word_shared_with_an_older_line_is_not_what_a_reflection_said_back() -> None:
    # Held in session 16: "That makes sense: people he can see versus a year he lost." was told
    # 'You put "Use it or lose it" into your own words' (her line before last; "lost", "lose").
    history = (
        Utterance("persona", "Use it or lose it, September 30. Our CFO will want it in writing."),
        Utterance("user", "So the real hurdle is Tom. What made him wary of software?"),
        Utterance(
            "persona",
            "Here's his logic: a supervisor has a face and a handshake. Bad software cost him a "
            "year. So he'd rather pay for people he can see on the floor.",
        ),
    )
    message = "That makes sense: people he can see versus a year he lost."
    tip = tip_for(message, [R], build_context(history), {R: message})
    assert "lose it" not in tip, tip


def test_sounds_like_is_the_frame_of_a_reflection_not_what_it_said_back() -> None:
    # Held in session 16: "Three questions sounds like the right size. What are the three?" was
    # told 'You put "She made it sound finished" into your own words'.
    history = (
        Utterance(
            "persona",
            "Ha, yes. You get it. She made it sound finished. It isn't. I'm writing a small "
            "open-source tool for on-call handovers. Three questions the person going off shift "
            "has to answer. That's it, that's the whole tool.",
        ),
    )
    message = "Three questions sounds like the right size. What are the three?"
    evidence = {R: "Three questions sounds like the right size.", F: "What are the three?"}
    tip = tip_for(message, [R, F], build_context(history), evidence)
    assert "sound finished" not in tip, tip


def test_her_name_and_company_are_not_the_detail_a_pitcher_should_stay_with() -> None:
    # Held in session 16: "Are you hiring senior backend engineers right now?" was told 'They
    # told you "I'm Priya from Northwind Health": stay there instead of pitching'.
    history = (
        Utterance(
            "persona",
            "Hi there, I'm Priya from Northwind Health. We make software for home-care nurses, "
            "and I find the engineers who build it. What caught your eye?",
        ),
    )
    message = "Honestly the salary range caught my eye. Are you hiring senior backend engineers?"
    tip = tip_for(message, [Move.PITCH], build_context(history))
    assert "I'm Priya" not in tip, tip


def test_her_pushback_on_job_talk_is_not_a_detail_to_ask_about() -> None:
    # Held in session 16: "so whats the salary band for senior roles?" after "Noted, really. But
    # I'd rather know what you make of the fair than your job titles." was told 'They said "I'd
    # rather know what you make of the fair than your job"; ... be curious about that'.
    history = (
        Utterance("persona", "Hi there, I'm Priya from Northwind Health. What caught your eye?"),
        Utterance("user", "Are you hiring senior backend engineers right now?"),
        Utterance(
            "persona",
            "Noted, really. But I'd rather know what you make of the fair than your job titles.",
        ),
    )
    message = "ok sure. the fair is fine. so whats the salary band for senior roles?"
    tip = tip_for(message, [Move.PITCH, Move.TOPIC_HIJACK], build_context(history))
    assert "rather know" not in tip, tip


def test_a_one_word_reply_to_any_question_of_theirs_is_told_to_answer_it() -> None:
    # Held in session 16 with a one-word answerer: "hey" to Keiko's "Did the talk make any sense
    # from out there?" was told 'react to "I'm still untangling this cable"', and "not really"
    # to "Mm, I should find some water." 'say what you make of "I should find some water"'.
    opener = (
        "Hi, sorry, I'm still untangling this cable. Thanks for sticking around. Did the talk "
        "make any sense from out there?"
    )
    tip = tip_for("hey", [Move.MINIMAL], build_context((Utterance("persona", opener),)))
    assert "Did the talk make any sense from out there?" in tip and "cable" not in tip, tip
    history = (
        Utterance("persona", opener),
        Utterance("user", "hey"),
        Utterance("persona", "Ha, okay, tired too?"),
        Utterance("user", "yeah"),
        Utterance("persona", "Mm, I should find some water."),
    )
    tip = tip_for("not really", [Move.MINIMAL], build_context(history))
    assert "water" not in tip, tip


def test_letting_a_feeling_go_is_no_bad_news() -> None:
    # Held in session 17: after Priya's "I felt like a deserter when I left teaching ... Took a
    # while to let that go. ... Can I set up a coffee?", the user's "I'd love that, thank you."
    # got 'They just shared "to let that go", and you met it with care; give them room'.
    history = (
        Utterance("persona", "What kind of work do you do?"),
        Utterance("user", "Backend, payments. Did you ever feel that pull when you left teaching?"),
        Utterance(
            "persona",
            "I felt like a deserter when I left teaching. For a year my intro was 'I'm a teacher, "
            "just doing recruiting for now'. Took a while to let that go. Honestly, I think you "
            "and Marcus would get along. Can I set up a coffee? No pressure, no resume required.",
        ),
    )
    message = "I'd love that, thank you. What do you think he'd want me to ask him about first?"
    tip = tip_for(
        message, [F], build_context(history), {F: "What do you think he'd want me to ask him?"}
    )
    assert "let that go" not in tip and "with care" not in tip, tip
    # Letting people go is still a layoff.
    fired = (*history[:2], Utterance("persona", "We had to let three people go last week."))
    tip = tip_for("Oh no. How is the team?", [F], build_context(fired), {F: "How is the team?"})
    assert "let three people go" in tip, tip


def test_a_rebuke_or_a_courtesy_about_the_learner_is_not_a_detail_to_follow() -> None:
    # Held in session 17: Denise's "You haven't asked me a single thing about my warehouses
    # yet." became 'ask about what they said ("You haven't asked me a single thing ..."): "What's
    # the hardest part of that for your team today?"'; Priya's "don't worry, I won't make you
    # take a flyer" was "the thread to pull".
    for line in (
        "Okay. Slow down. You haven't asked me a single thing about my warehouses yet.",
        "Hey, don't worry, I won't make you take a flyer. Priya, Northwind Health recruiting.",
    ):
        quotes = [h.quote for h in find_hooks([line])]
        assert not any("asked me" in q or "flyer" in q for q in quotes), quotes
    # News of theirs still is one.
    quotes = [h.quote for h in find_hooks(["Two of my warehouses switched scanners in March."])]
    assert any("scanners" in q for q in quotes), quotes


def test_remembering_is_no_action_to_ask_the_hardest_part_of() -> None:
    # Held in session 17: Daniel's "I remember my first coffee like this one, I was so nervous I
    # forgot my own questions." gave "What's the hardest part of remembering your first coffee
    # like?".
    line = (
        "Hello there. Daniel, data science at Terrace. I remember my first coffee like this one, "
        "I was so nervous I forgot my own questions. How are you feeling?"
    )
    hooks = find_hooks([line])
    assert not any(h.verb in {"remember", "forget"} for h in hooks), hooks
    assert not any(h.obj.endswith(" like") for h in hooks), hooks


def test_a_sneer_at_what_they_are_is_dismissive_not_a_pitch() -> None:
    # Held in session 17: "oh great, another mentor who's going to tell me to follow my
    # passion." was read as a pitch and told "Hold the ask until they trust you".
    history = (
        Utterance(
            "persona",
            "Hello there. Daniel, data science at Terrace. I remember my first coffee like this "
            "one, I was so nervous I forgot my own questions. How are you feeling?",
        ),
    )
    feedback = Analyzer().analyze(
        "oh great, another mentor who's going to tell me to follow my passion.", history
    )
    assert Move.PITCH not in feedback.moves and not feedback.genuine_interest, feedback
    assert "hold the ask" not in feedback.tip.lower(), feedback.tip


def test_a_goodbye_after_bad_news_is_not_said_to_have_met_it_with_care() -> None:
    # Held in session 17: after Priya's "Since last year's layoffs it's been just me, and some
    # weeks I wonder how long I can do this.", "From chemistry teacher to recruiter, that's a
    # story. Thanks so much for your time, Priya, enjoy the rest of the fair." was told "you made
    # space for it, so let them lead": its acknowledgement was of the chemistry story.
    news = (
        "What I miss is that little click when a student gets it. Can I be honest? Since last "
        "year's layoffs it's been just me, and some weeks I wonder how long I can do this."
    )
    history = (
        Utterance("user", "How did you end up in recruiting yourself?"),
        Utterance("persona", news),
    )
    leaving = (
        "From chemistry teacher to recruiter, that's a story. Thanks so much for your time, "
        "Priya, enjoy the rest of the fair."
    )
    A = Move.ACKNOWLEDGEMENT
    tip = tip_for(leaving, [A], build_context(history), {A: "that's a story"})
    assert "made space" not in tip and "with care" not in tip and "sorry" in tip, tip
    caring = "Oh, I'm sorry, that sounds like a lot to carry on your own."
    tip = tip_for(caring, [Move.REFLECTION], build_context(history), {Move.REFLECTION: caring})
    assert "made space" in tip or "with care" in tip, tip


def test_a_remark_on_pitches_is_not_a_detail_to_follow() -> None:
    # Held in session 17: Priya's "The thing is, I hear a hundred pitches a day." became 'ask
    # "How did you come to hear a hundred pitches?"'.
    quotes = [
        h.quote
        for h in find_hooks(
            ["The thing is, I hear a hundred pitches a day. I remember conversations."]
        )
    ]
    assert not any("pitches" in q for q in quotes), quotes


def test_mock_praise_of_their_work_with_bet_is_dismissive() -> None:
    # Held in session 17 (Keiko): "oh sure, 'the fun part'. bet the release train is thrilling
    # too." got no move at all and a tip to ask how she came to manage mobile platform.
    history = (
        Utterance("persona", "Oh, hello, Keiko here, I manage mobile platform at Parcelly."),
        Utterance("user", "wow, a mobile platform lead. must be nice having your own team."),
        Utterance(
            "persona",
            "Ha, spend a year with our crash logs first. What's your release cadence like?",
        ),
    )
    feedback = Analyzer().analyze(
        "oh sure, 'the fun part'. bet the release train is thrilling too.", history
    )
    assert Move.DISMISSIVE in feedback.moves, feedback
    assert "release cadence" in feedback.tip, feedback.tip


# Priya again (session 18): a listener who asks and asks, and says back what she heard.
PRIYA_DAY = (
    "Oh hey, come on in, I promise I don't bite. I'm Priya, recruiter for Northwind Health. "
    "What brings you over?",
    "It's a lot of talking. Candidates in the morning, hiring managers in the afternoon, and "
    "feedback-chasing in between.",
    "Interviewers, mostly. An engineer runs a session on Tuesday, promises notes by Wednesday, "
    "and by Friday I'm standing at his desk.",
    "They mean well, they're just busy, so 'notes by tomorrow' becomes a week.",
    "Before he wrote code, Marcus drove an ambulance. So his interview move is: 'I'm a "
    "night-shift nurse, explain this decision to me.' The ones who slow down walk away with "
    "offers.",
)
ASKER = (
    "What does a recruiter at Northwind spend the day on?",
    "Who are you usually chasing?",
    "Why is it so hard to get them to write it up?",
    "What happens to the candidate while they wait?",
    "An ambulance driver turned engineer, that explains a lot. What made him switch to code?",
)


def test_four_questions_in_a_row_get_give_something_back_not_reflect_again() -> None:
    tip = _tip(PRIYA_DAY, ASKER, 3, [F], {F: ASKER[3]})
    assert "four questions" in tip.lower() and "your own" in tip, tip
    # One line of the user's own between the questions breaks the run.
    told = (
        ASKER[0],
        "I've chased reviewers myself, it's thankless. Who are you chasing?",
        *ASKER[2:],
    )
    assert "in a row" not in _tip(PRIYA_DAY, told, 3, [F], {F: told[3]})


def test_a_question_after_saying_back_her_words_is_not_told_to_say_them_back() -> None:
    message = ASKER[4]
    tip = _tip(PRIYA_DAY, (*ASKER[:2], "Cool.", "Nice.", message), 4, [F], {F: message})
    assert "An ambulance driver turned engineer" in tip, tip
    assert not re.search(r"(?i)say back|sum it up|name what you heard", tip), tip


def test_a_question_without_a_question_mark_is_not_praised_as_saying_back_her_words() -> None:
    partner = ("We mostly back heat pump installers now, about forty of them across the north.",)
    message = "why heat pump installers and not the manufacturers"
    tip = _tip(partner, (message,), 0, [F], {F: message})
    assert "heard it" not in tip and "Saying" not in tip, tip


def test_thanks_for_an_intro_already_given_is_not_called_a_fair_ask() -> None:
    # Live (session 18): Priya had agreed to introduce the user to Marcus four turns earlier;
    # "Thanks for the intro to Marcus, I'll look out for your email." at the goodbye was told
    # "A fair ask after a warm conversation".
    partner = (
        *PRIYA_DAY[:4],
        "Yes, happily. I'll send Marcus a note this afternoon and put you on it.",
        "My manager has no idea how stretched I am, because I've never said it. I probably "
        "should, and honestly, you've nudged me.",
    )
    user = (
        *ASKER[:4],
        "Yes, I'd like that a lot, thank you.",
        "I hope you do, you clearly care about this job. I should let you get back to the booth. "
        "Thanks for the intro to Marcus, I'll look out for your email.",
    )
    tip = _tip(partner, user, 5, [A], {A: "you clearly care about this job"})
    assert "ask" not in tip.lower(), tip
    assert "I'll send Marcus" not in tip, tip  # her promise is nothing she told of herself


def test_a_story_of_the_user_s_own_in_her_words_is_not_called_saying_them_back() -> None:
    # Live (session 18, Denise): "My uncle ran a loading dock for years, he used to say the
    # forklift noise was the sound of money." was praised as showing she had been heard.
    partner = ("Hear that? Forklifts. My office is on the dock side of our Sacramento warehouse.",)
    message = (
        "I can hear them. My uncle ran a loading dock for years, he used to say the forklift "
        "noise was the sound of money. When do the errors mostly happen?"
    )
    tip = _tip(partner, (message,), 0, [F], {F: "When do the errors mostly happen?"})
    assert "uncle" not in tip and "listening" not in tip, tip


def test_a_goodbye_tip_quotes_the_next_step_in_whole_words_and_no_lead_in() -> None:
    # Live (session 18, Denise): the step was cut mid-word ("...so Rachel has something t")
    # and "Since you've been straight with me" was offered as the thing she told to remember.
    partner = (
        "Look, I'd like a second call, Rachel in the room, and a night on our floor first.",
        "Since you've been straight with me. There's roughly a quarter million of unspent budget "
        "from the failed project. Use it or lose it, September 30.",
    )
    user = (
        "Yes, I'd like that, especially the night on the floor. Who's Rachel?",
        "A pilot signed by August, got it. I'll send you a one-page plan by Friday so Rachel has "
        "something to check. Thanks for your time, Denise, this was really useful.",
    )
    tip = _tip(partner, user, 1, [R], {R: "A pilot signed by August, got it."})
    step = re.search(r'\("(I\'ll[^"]*)"\)', tip)
    assert step is not None and step.group(1) in user[1], tip
    assert "straight with me" not in tip, tip


def test_answering_their_question_then_asking_something_new_is_the_model_turn() -> None:
    # Live (session 18): "What's been the best booth so far, apart from this one?" answered,
    # then a question back, was told "that was the thread to pull".
    partner = (
        "Hello, hello. Priya Raman, engineering recruiter, Northwind Health. What's been the "
        "best booth so far, apart from this one?",
    )
    message = (
        "Ha, this is only my second, so you're winning by default. How long have you been at "
        "the booth today?"
    )
    D, N = Move.SELF_DISCLOSURE, Move.NEW_TOPIC_QUESTION
    tip = _tip(partner, (message,), 0, [D, N], {N: "How long have you been at the booth today?"})
    assert "thread to pull" not in tip and "start there" not in tip, tip
    assert "asked back" in tip or "asking back" in tip, tip


def test_a_comparison_is_no_action_to_ask_the_hardest_part_of() -> None:
    # Live (session 18, a pitcher with Denise): "I'm better with trucks than with vendors" gave
    # 'ask "What's the hardest part of gooding with trucks than?"'.
    partner = (
        "Denise, from Keller. Fair warning, I'm better with trucks than with vendors. What did "
        "you want to cover?",
    )
    message = (
        "Hi Denise, thanks for taking the call. We cut picking errors by 30% for distributors "
        "like Keller. Who else would need to sign off on a pilot?"
    )
    tip = _tip(partner, (message,), 0, [Move.PITCH], {Move.PITCH: message})
    assert "gooding" not in tip and " than?" not in tip, tip


def test_her_rebuke_of_a_pitch_is_not_a_detail_to_ask_about() -> None:
    # Live (session 18): after "That's a feature list. I asked about nothing of the sort. Mm,
    # put the rest in an email.", a budget question was told to ask "What was it like to ask
    # nothing of the sort?".
    partner = (
        "Denise, from Keller. What did you want to cover?",
        "That's a feature list. I asked about nothing of the sort. Mm, put the rest in an email.",
    )
    user = ("Does Tuesday work for a demo?", "What's your budget for this quarter?")
    tip = _tip(partner, user, 1, [Move.TOPIC_HIJACK], {Move.TOPIC_HIJACK: user[1]})
    assert "nothing of the sort" not in tip and "feature list" not in tip, tip


def test_never_heard_that_one_is_sarcasm() -> None:
    # Live (session 18, Marisol): "wow, a deploy pipeline joke. never heard that one lol" was
    # read as telling something of oneself, and its tip said "You answered".
    fb = Analyzer().analyze(
        "wow, a deploy pipeline joke. never heard that one lol",
        [
            Utterance("persona", "This queue is moving slower than our deploy pipeline."),
            Utterance("user", "oh great, another conference queue. my absolute favourite."),
            Utterance(
                "persona",
                "Hm, that's not been my experience. But okay. What's your team like, where you "
                "work?",
            ),
        ],
    )
    assert Move.DISMISSIVE in fb.moves and not fb.genuine_interest, fb.moves


def test_i_won_t_keep_you_is_a_goodbye() -> None:
    # Live (session 18, a one-word user with Priya): after "Well, I won't keep you, there's a
    # lot of fair left.", "sure" was told to ask one thing about "there's a lot of fair left".
    partner = (
        "Are you an office person or a home-office person?",
        "Well, I won't keep you, there's a lot of fair left.",
    )
    tip = _tip(partner, ("ok", "sure"), 1, [Move.MINIMAL], {Move.MINIMAL: "sure"})
    assert "ask one thing about it" not in tip and "fair left" not in tip, tip
    assert "close well" in tip or "let them go" in tip, tip


def test_a_care_question_already_asked_is_not_suggested_again() -> None:
    # Held in session 19: after Priya's "Three of us became one after the layoffs ... I'm running
    # on fumes", the user's "Running on fumes but still loving it. What keeps you there when it
    # gets this heavy?" was told 'give them room, and if they keep talking, ask "How has this
    # stretch been for you?"': the question just asked, in other words.
    history = (
        Utterance("persona", PRIYA[0]),
        Utterance("user", "And you, doing the work of three people, how are you holding up?"),
        Utterance(
            "persona",
            "It's been a heavy year, if I'm honest. Three of us became one after the layoffs, and "
            "I kept everyone's candidates. I still love the work, but I'm running on fumes.",
        ),
    )
    message = "Running on fumes but still loving it. What keeps you there when it gets this heavy?"
    evidence = {F: "What keeps you there when it gets this heavy?", R: "Running on fumes"}
    tip = tip_for(message, [F, R], build_context(history), evidence)
    assert "with care" in tip or "met it" in tip, tip
    assert not re.search(r'ask "', tip), tip
    # Care without a question of its own still gets one to ask.
    plain = tip_for(
        "I'm so sorry, that's a lot to carry.", [A], build_context(history), {A: "so sorry"}
    )
    assert re.search(r'ask "', plain), plain
    # A bare probe into it has not met it yet.
    probe = tip_for(
        "What happened with the layoffs?", [F], build_context(history), {F: "What happened?"}
    )
    assert "met it" not in probe and "with care" not in probe, probe


def test_i_should_let_you_get_back_is_a_goodbye() -> None:
    # Held in session 19: "... I should let you get back to the fair. Thanks so much, Priya,
    # I'll look out for Marcus's email." got 'turn the attention to them: ask them "What was
    # the last thank-you that kept you from leaving?"', and Priya answered "Of course, glad it
    # helped." instead of saying goodbye (the engine asks the same `says_goodbye`).
    history = (
        Utterance(
            "persona",
            "What keeps me going is that Slack channel. I think about leaving, a nurse writes "
            "'this saved my evening', and I stay one more quarter.",
        ),
    )
    message = (
        "A nurse writing 'this saved my evening' would keep me going too. I should let you get "
        "back to the fair. Thanks so much, Priya, I'll look out for Marcus's email."
    )
    assert says_goodbye(message)
    tip = tip_for(message, [], build_context(history))
    assert "goodbye" in tip.lower() or "close" in tip.lower(), tip
    assert "ask them" not in tip, tip
    assert says_goodbye(
        "Thank you, Marisol, I should let you grab a seat before the next talk. I'll find you "
        "at seven."
    )
    # Letting someone go is a layoff, not a goodbye.
    assert not says_goodbye("So they had to let you go? After eight years?")


def test_thanks_so_much_for_your_time_is_a_goodbye() -> None:
    # Held in session 19: "Thursday or Friday, I'll take whichever works for your crew. Thanks
    # so much for your time, Denise, I'll email you tonight to set it up." got 'turn the
    # attention to them: ask "Which customers are you worried about losing?"', and Denise
    # answered "You're welcome." instead of a goodbye.
    message = (
        "Thursday or Friday, I'll take whichever works for your crew. Thanks so much for your "
        "time, Denise, I'll email you tonight to set it up."
    )
    assert says_goodbye(message)
    history = (
        Utterance(
            "persona",
            "The mistakes pile up in Sacramento because it's our oldest building and our "
            "fullest. Volume's up about a third since we moved in.",
        ),
    )
    tip = tip_for(message, [], build_context(history))
    assert "close" in tip.lower() or "goodbye" in tip.lower(), tip
    assert 'ask "' not in tip, tip


def test_fine_answers_how_are_you_though_it_gives_nothing() -> None:
    # Held in session 19: "fine" to Priya's "... How are you holding up?" was told it "leaves
    # 'How are you holding up?' unanswered".
    history = (
        Utterance("persona", "Hi, I'm Priya from Northwind Health. How are you holding up?"),
    )
    tip = tip_for("fine", [Move.MINIMAL], build_context(history))
    assert "unanswered" not in tip, tip
    assert not answers("fine", "What brought you to the fair?")
    assert answers("pretty good, thanks", "How's your morning been?")


def test_a_goodbye_tip_quotes_a_whole_phrase_and_never_their_hard_news() -> None:
    # Held in session 20 (`rapport chat`): closing tips quoted "the big outage two years ago
    # broke something in me for a" (Marisol's burnout, cut before "while") and "What I want is
    # someone the team would be happy to be" (Priya, cut mid-phrase).
    burnout = (
        "Ha, yes, you were listening. What I don't put in talks: the big outage two years ago "
        "broke something in me for a while. I took two months off and came back with a lot of "
        "rules about sleep."
    )
    assert find_hooks([burnout])[0].heavy
    quotes = [h.quote for h in find_hooks([burnout])]
    assert not any(q.endswith((" a", " for")) for q in quotes), quotes
    priya = (
        "Honestly, I've never met a perfect candidate. What I want is someone the team would be "
        "happy to be stuck with on a hard problem at six p.m. on a Friday."
    )
    assert not any(h.quote.endswith((" be", " to")) for h in find_hooks([priya]))
    history = (
        Utterance("persona", burnout),
        Utterance("user", "Which of the three was hardest to stick to?"),
        Utterance(
            "persona",
            "Bueno, the kitchen rule, easily. Without the phone I imagined everything breaking. "
            "That lasted two weeks. After that I slept like I hadn't in years.",
        ),
    )
    message = "I should let you get to the drinks. Thanks Marisol, see you tonight."
    tip = tip_for(message, [Move.ACKNOWLEDGEMENT], build_context(history), {})
    assert "broke something" not in tip, tip


def test_an_answer_to_their_question_is_not_praised_as_their_words_said_back() -> None:
    # Live (session 21, Marisol): the user answered her question, then echoed her, then asked.
    # The tip quoted the answer: '"Quiet-ish, about three pages a week" told them you heard it'.
    partner = (
        "Bueno, no magic. Monday mornings we read through last week's pages, and an alert that "
        "asked nobody to act gets fixed or thrown out. Years of that, never missing a Monday. "
        "Is your on-call rotation a quiet one?",
    )
    user = (
        "Quiet-ish, about three pages a week. Never missing a Monday sounds like the hard part. "
        "How did you get the team to keep it up?",
    )
    tip = _tip(
        partner,
        user,
        0,
        [F, Move.SELF_DISCLOSURE],
        {F: "How did you get the team to keep it up?"},
    )
    assert "Quiet-ish" not in tip, tip


def test_a_brush_off_of_a_pitch_is_no_detail_to_ask_about() -> None:
    # Live (session 21, Denise, a pitcher): after "Let's not do the sales part yet." the tip
    # said 'They said "Let's not do the sales part yet": stay there instead of pitching, and
    # ask "What's the hardest part of that for your team today?"'.
    partner = (
        "Hi, this is Denise. Fair warning, if a truck goes sideways I'll have to step out.",
        "Let's not do the sales part yet.",
    )
    user = (
        "Hi Denise, I'm Alex from RouteWise. We cut mis-picks by 30% for distributors like you. "
        "Do you have budget for a pilot this quarter?",
        "Sure. Who else would need to sign off on a purchase like this?",
    )
    tip = _tip(partner, user, 1, [Move.PITCH])
    assert "sales part" not in tip, tip


def test_bad_news_met_in_the_sentence_around_a_plain_cue_is_not_told_to_say_sorry() -> None:
    """Live (session 23, Marisol): "Two months off after fourteen hours like that makes sense.
    What brought you back?" after "After the fourteen-hour outage I burned out" was told to "put
    your own topic aside, say you're sorry to hear it": the acknowledgement's cue ("that makes
    sense") names nothing of the news, but its sentence does."""
    partner = (
        "Hola. We've moved two metres in five minutes. What brings you to Portland?",
        "I learned on night shifts in Monterrey. Routers, 3 a.m., nobody to ask. Then ops, then "
        "Portland, then here. Honestly? After the fourteen-hour outage I burned out. Two months "
        "off, and I almost didn't come back to this work at all.",
    )
    user = (
        "How did you end up in SRE yourself?",
        "Two months off after fourteen hours like that makes sense. What brought you back?",
    )
    evidence = {A: "that makes sense", F: "What brought you back?"}
    tip = _tip(partner, user, 1, [F, A], evidence)
    assert "sorry" not in tip and "topic aside" not in tip and "acknowledge it" not in tip, tip
    assert "fourteen-hour outage" in tip and ("you met it" in tip or "room" in tip), tip


def test_a_stock_agreement_of_theirs_is_not_what_the_user_said_back() -> None:
    """Live (session 23, Priya): after "Exactly that, honestly. When I was getting out of
    teaching. I sent eleven applications...", "That must sting, knowing exactly how it feels."
    was told 'You put "Exactly that" into your own words': 'exactly' was the one shared word."""
    partner = (
        "The people waiting on me. With three of us, everyone got an answer inside a week. Now "
        "some people wait three weeks just to hear no, and I remember how that wait feels.",
        "Exactly that, honestly. When I was getting out of teaching. I sent eleven applications "
        "and heard from two, one of them a no after five weeks. I swore I'd do better than "
        "that, and now I don't.",
    )
    user = (
        "You remember how that wait feels. When were you the one waiting?",
        "That must sting, knowing exactly how it feels. Does your manager know how stretched "
        "you are?",
    )
    evidence = {
        R: "That must sting, knowing exactly how it feels.",
        F: "Does your manager know how stretched you are?",
    }
    tip = _tip(partner, user, 1, [F, R], evidence)
    assert "Exactly that" not in tip, tip


def test_when_to_expect_the_intro_as_the_user_leaves_gets_the_closing_tip() -> None:
    """Live (session 23, Priya): "...I should let you get back to the booth, thank you for this.
    When should I expect to hear about Marcus?" was told to "listen for one concrete detail in
    the answer and make your next question about it", to someone on their way out."""
    partner = (
        "You've earned that one. I'll introduce you to Marcus this week. Calm, which surprises "
        "people.",
        "Oh, I'm glad you asked that. I haven't said it to my manager, not properly. Talking to "
        "you makes me think I should.",
    )
    user = (
        "I'd really like that, thank you. What's he like to work for?",
        "I hope you do tell her. I should let you get back to the booth, thank you for this. "
        "When should I expect to hear about Marcus?",
    )
    tip = _tip(partner, user, 1, [F], {F: "When should I expect to hear about Marcus?"})
    assert "next question" not in tip and "close" in tip, tip


def test_must_have_been_hard_meets_the_bad_news() -> None:
    """Live (session 23, Marisol): "Two months off, that must have been hard to decide. What
    brought you back?" after her burnout was told to "acknowledge it and ask 'How are you holding
    up?'": "must be hard" counted as meeting it, "must have been hard" did not."""
    partner = (
        "Sure. Ines owes me a favour anyway. Find me at seven and I'll walk you over to her.",
        "Right, and most people miss that part. Honestly? After the fourteen-hour outage I burned "
        "out. Two months off, and I almost didn't come back to this work at all.",
    )
    user = (
        "I'd love that, thank you. What's Ines like?",
        "Two months off, that must have been hard to decide. What brought you back?",
    )
    evidence = {
        R: "Two months off, that must have been hard to decide.",
        F: "What brought you back?",
    }
    tip = _tip(partner, user, 1, [F, R], evidence)
    assert "acknowledge it" not in tip and "sorry" not in tip and "topic aside" not in tip, tip
    assert "you met it" in tip or "room" in tip, tip


def test_a_job_question_is_not_offered_as_a_follow_up_on_her_joke() -> None:
    # Held on 2026-12-06 (session 24) as a pitcher: 'they said "I was just about to steal a
    # granola bar", so ask "What do the people who do well on your team have in common?"'.
    priya = (
        "Oh, hi, I was just about to steal a granola bar from my own giveaway pile. I'm Priya, "
        "and I find engineers for Northwind Health. What are you hunting for today?",
        "Ha, noted, resumes go in the box, stories come to me. How are interviews going for you "
        "so far?",
    )
    pitcher = (
        "Hi Priya. I'm a senior backend engineer, 8 years of Go and Kubernetes. Do you have any "
        "senior backend roles open?",
        "Good, I have three final rounds. Could you forward my CV to the hiring manager for the "
        "platform team?",
    )
    for turn in (0, 1):
        tip = _tip(priya, pitcher, turn, [Move.PITCH])
        assert "granola" not in tip, tip
        assert _suggested(tip), tip


def test_a_short_answer_then_a_question_back_is_the_model_turn_not_a_missed_thread() -> None:
    # Session 24: "Yes, busy but good. How's the fair been for you?" answered "Having a good day
    # so far?" and asked back, and was told "that was the thread to pull" about her job.
    tip = _tip(
        PRIYA, ("Yes, busy but good. How's the fair been for you?",), 0, [Move.NEW_TOPIC_QUESTION]
    )
    assert "thread to pull" not in tip and "before opening a new topic" not in tip, tip
    assert "answer" in tip.lower(), tip
    # The same question with her question left unanswered is still sent to her line.
    dodge = _tip(PRIYA, ("How's the fair been for you?",), 0, [Move.NEW_TOPIC_QUESTION])
    assert "answer" not in dodge.lower(), dodge


def test_a_pitch_after_where_do_you_want_to_begin_is_not_a_dodge_and_asks_about_her_floor() -> None:
    # Held on 2026-12-06 (session 24) as a seller who asks: "Where do you want to begin?" was
    # treated as a question about the user ("give a short, real answer first"), and after "You
    # haven't asked me a single thing about my warehouses yet" the tip offered "What's the
    # hardest part of that for your team today?", with nothing for "that" to be.
    denise = (
        "This is Denise, from Keller Foods. My rule on these calls is simple: you ask, I answer, "
        "nobody shares a screen. Where do you want to begin?",
        "Let me stop you there. I didn't take this call for a demo. Tell me what you actually "
        "know about how we work.",
        "Okay. Slow down. You haven't asked me a single thing about my warehouses yet.",
    )
    seller = (
        "Hi Denise. Who else on your team would need to approve a new routing system?",
        "Understood. What's your budget for tooling this quarter?",
        "Does Tuesday work for a 30-minute demo?",
    )
    first = _tip(denise, seller, 0, [Move.PITCH, Move.TOPIC_HIJACK])
    assert "answer first" not in first and "Where do you want to begin?" not in first, first
    # With nothing of hers to follow yet, the question offered stands alone.
    assert "tried so far" not in first and "of that" not in first, first
    last = _tip(denise, seller, 2, [Move.PITCH, Move.TOPIC_HIJACK])
    assert "your warehouses" in last and "of that" not in last, last


# Priya, after a user's first line asked for senior roles (session 25).
BRUSHED_OFF = (
    "Hi there, welcome to the Northwind booth. I'm Priya, I do the engineering hiring here. "
    "How's the fair treating you so far?",
    "Ha, okay, I hear you. The best way in is the careers page, honestly. But tell me "
    "something that isn't on your resume.",
)
ASKED_ROLES = "Hi Priya! Quick question: do you have any senior backend roles open right now?"


def test_tell_me_something_not_on_your_resume_is_her_question_and_no_goodbye() -> None:
    # 'careers page' read as her wrapping up: "They are wrapping up, so save new questions".
    # Her last sentence asks about the user, so the talk goes on, and that is what to answer.
    D = Move.SELF_DISCLOSURE
    user = (ASKED_ROLES, "I bake sourdough every weekend and I'm weirdly competitive about it.")
    tip = _tip(BRUSHED_OFF, user, 1, [D])
    assert "wrapping up" not in tip, tip
    assert "Tell me something that isn't on your resume." in tip, tip
    minimal = _tip(BRUSHED_OFF, (ASKED_ROLES, "sourdough"), 1, [Move.MINIMAL])
    assert 'Give "Tell me something that isn\'t on your resume." a real answer' in minimal, minimal


def test_answering_her_then_asking_is_the_model_turn_not_a_pickup_of_one_word() -> None:
    # "What's the best thing about working at the booth all day?" shares only 'best' with
    # "The best way in is the careers page"; the tip said "You picked up" that line.
    message = (
        "I bake sourdough every weekend and I'm weirdly competitive about it. What's the best "
        "thing about working at the booth all day?"
    )
    D = Move.SELF_DISCLOSURE
    tip = _tip(BRUSHED_OFF, (ASKED_ROLES, message), 1, [F, D])
    assert "careers page" not in tip and "asked back" in tip, tip


def test_like_four_answers_how_many_coffees() -> None:
    # Held in session 25 with Marisol: "Like four. Wow, queues as the real conference." was
    # told to "give a sincere one-sentence answer" to "How many coffees are you on?".
    question = "How many coffees are you on?"
    assert answers("Like four. Wow, queues as the real conference.", question)
    assert answers("about 3 so far", question)
    assert not answers("Like the queue, honestly.", question)


def test_praise_of_the_learner_is_no_detail_to_pick_up() -> None:
    # Held in session 25 with Marisol: twice the tip pointed at "you've hit the actual story",
    # her praise of the user's question, as what she had said.
    line = (
        "Hm, you've hit the actual story. The queues are where the conference happens. The "
        "coffee's the excuse. How many coffees are you on?"
    )
    tip = _tip((line,), ("Like four. Wow, queues as the real conference. Deep stuff.",), 0, [])
    assert "actual story" not in tip, tip


MARISOL_AFTER_A_JAB = [
    Utterance(
        "persona",
        "Hi there, I'm Marisol, reliability at Freightline, and very much not a morning "
        "person. Were you in the incident talk?",
    ),
    Utterance("user", "Oh great, another queue. Truly the highlight of my year."),
    Utterance("persona", "Bueno, your subject, go ahead. What's your team like, where you work?"),
]


def test_doubting_their_sincerity_is_a_put_down_not_a_follow_up() -> None:
    # Held in session 26 with Marisol: rated genuine interest (85), a follow-up quoting "My
    # team?", her own question said back.
    fb = Analyzer().analyze(
        "My team? Oh, a joy. Endless meetings about meetings. What about you, do you actually "
        "enjoy being on call or is that just what you tell people?",
        MARISOL_AFTER_A_JAB,
    )
    assert not fb.genuine_interest
    assert Move.DISMISSIVE in fb.moves
    assert all(e.text != "My team?" for e in fb.evidence)


def test_their_question_said_back_then_answered_is_no_dodge() -> None:
    # Held in session 26: "My team? Six of us, mostly backend." was a hijack ("You skipped
    # their question") to both models, reading "My team?" as a question of the user's.
    fb = Analyzer().analyze("My team? Six of us, mostly backend.", MARISOL_AFTER_A_JAB)
    assert Move.TOPIC_HIJACK not in fb.moves
    assert "skipped" not in fb.tip and "waiting" not in fb.tip and "asked back" not in fb.tip
    assert "your subject" not in fb.tip, fb.tip  # "Bueno, your subject, go ahead." is no detail


def test_a_one_word_reply_to_their_question_is_told_to_hand_it_back_not_a_mined_question() -> None:
    # Held in session 28 (Marisol, a one-word answerer): "yeah" to "What did you think of it?"
    # was told to ask back "What's the best part of recognising the tired face?".
    history = [
        Utterance(
            "persona",
            "You came out of the incident talk too, right? I'm Marisol, I recognise the tired "
            "face. What did you think of it?",
        )
    ]
    for reply in ("yeah", "ok"):
        tip = tip_for(reply, [Move.MINIMAL], build_context(history))
        assert '"What did you think of it?"' in tip and "same question back" in tip, tip
        assert "tired face" not in tip, tip
    authored = "Which part of the talk stuck with you?"
    tip = tip_for("yeah", [Move.MINIMAL], build_context(history), suggestion=authored)
    assert f'"{authored}"' in tip, tip
