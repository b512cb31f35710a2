from pathlib import Path

import pytest

from app.evals.checks import CHECKS
from app.evals.scripts import Expect, ScriptError, load_script, load_scripts

VALID = """
name: recruiter-listener
persona: recruiter
difficulty: normal
user:
  - "Hi, I'm Alex. How did you end up in recruiting?"
expect:
  min_mean_score: 60
  outcome: [warm_close, neutral_close]
  first_pitch_turn: null
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_valid_script_loads_with_its_expectations(tmp_path: Path) -> None:
    script = load_script(write(tmp_path, "a.yaml", VALID))
    assert script.name == "recruiter-listener"
    assert script.user == ["Hi, I'm Alex. How did you end up in recruiting?"]
    assert script.expect.checked_keys() == ["min_mean_score", "outcome", "first_pitch_turn"]


def test_first_pitch_turn_null_is_checked_but_absent_key_is_not(tmp_path: Path) -> None:
    absent = load_script(write(tmp_path, "b.yaml", VALID.replace("  first_pitch_turn: null\n", "")))
    assert "first_pitch_turn" not in absent.expect.checked_keys()


def test_misspelt_expect_key_is_rejected_with_file_and_field(tmp_path: Path) -> None:
    path = write(tmp_path, "typo.yaml", VALID.replace("min_mean_score", "min_mean_scor"))
    with pytest.raises(ScriptError) as err:
        load_script(path)
    assert str(path) in str(err.value)
    assert "expect.min_mean_scor" in str(err.value)


def test_unknown_outcome_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ScriptError, match="outcome"):
        load_script(write(tmp_path, "o.yaml", VALID.replace("neutral_close", "lukewarm")))


def test_unquoted_yes_line_is_rejected_with_a_hint(tmp_path: Path) -> None:
    text = VALID.replace('  - "Hi, I\'m Alex. How did you end up in recruiting?"', "  - yes")
    with pytest.raises(ScriptError, match="quote it"):
        load_script(write(tmp_path, "yes.yaml", text))


def test_user_and_simulate_together_are_rejected(tmp_path: Path) -> None:
    text = VALID + "simulate:\n  persona: curious listener\n  turns: 6\n"
    with pytest.raises(ScriptError, match="exactly one of"):
        load_script(write(tmp_path, "both.yaml", text))


def test_min_above_max_is_rejected(tmp_path: Path) -> None:
    text = VALID.replace("min_mean_score: 60", "min_mean_score: 60\n  max_mean_score: 40")
    with pytest.raises(ScriptError, match="greater than max_mean_score"):
        load_script(write(tmp_path, "bounds.yaml", text))


def test_broken_yaml_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.yaml", "name: [unclosed\n")
    with pytest.raises(ScriptError, match="not valid YAML"):
        load_script(path)


def test_directory_expands_sorted_and_duplicate_names_are_rejected(tmp_path: Path) -> None:
    write(tmp_path, "b.yaml", VALID.replace("recruiter-listener", "second"))
    write(tmp_path, "a.yaml", VALID)
    assert [s.name for s in load_scripts([tmp_path])] == ["recruiter-listener", "second"]
    write(tmp_path, "c.yaml", VALID)
    with pytest.raises(ScriptError, match="already used"):
        load_scripts([tmp_path])


def test_every_expect_key_has_a_check() -> None:
    assert set(Expect.model_fields) == set(CHECKS)


CHAINED = """
name: recruiter-remembers
persona: recruiter
difficulty: normal
conversations:
  - user: ["Hi Priya, I'm Alex. How did you end up in recruiting?"]
    expect: {remembers: false}
  - difficulty: hard
    user: ["Hi again!"]
    expect: {remembers: true, opening_mentions: Alex, max_repeats_from_previous: 0}
"""


def test_a_chained_script_holds_several_conversations_of_one_learner(tmp_path: Path) -> None:
    script = load_script(write(tmp_path, "a.yaml", CHAINED))
    first, second = script.meetings()
    assert script.chained and first.user and second.user == ["Hi again!"]
    assert script.for_meeting(first).difficulty == "normal"
    assert script.for_meeting(second).difficulty == "hard"
    assert second.expect.checked_keys() == [
        "remembers",
        "opening_mentions",
        "max_repeats_from_previous",
    ]
    plain = load_script(write(tmp_path, "b.yaml", VALID))
    assert not plain.chained and len(plain.meetings()) == 1


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        (CHAINED + 'user: ["Hi"]\n', "exactly one of"),
        (CHAINED + "expect: {outcome: warm_close}\n", "its own `expect`"),
        (CHAINED.replace("{remembers: false}", "{remembers: true}"), "nothing to remember"),
    ],
)
def test_a_chained_script_is_checked_for_sense(tmp_path: Path, text: str, complaint: str) -> None:
    with pytest.raises(ScriptError, match=complaint):
        load_script(write(tmp_path, "a.yaml", text))
