"""Phrase cues for the moves, compiled once.

These are conversational formulae (how people in English ask for a referral, reflect, or sell),
not word lists a library could supply; word forms, stop words and sentences come from text.py.
Each pattern is matched case-insensitively on the original message so the match is the evidence.
"""

from __future__ import annotations

import re
from typing import Any

from app.feedback.text import wordset


class CueMatch:
    """A cue's match, reported in the original message's own words (spans are the same in the
    lower-cased copy it was found in)."""

    __slots__ = ("_found", "_source")

    def __init__(self, source: str, found: re.Match[str]) -> None:
        self._source = source
        self._found = found

    def group(self, index: int | str = 0) -> str | Any:  # as re.Match: None for a group left out
        start, end = self._found.span(index)
        return None if start < 0 else self._source[start:end]

    def start(self, index: int | str = 0) -> int:
        return self._found.start(index)

    def end(self, index: int | str = 0) -> int:
        return self._found.end(index)


# What may be upper case in a pattern: escapes (\B, \W) and named groups ((?P<name>...)).
_NOT_LETTERS = re.compile(r"\\.|\(\?P[<=]")


class Cue:
    """A case-insensitive pattern matched on the lower-cased message without IGNORECASE: CPython's
    re runs long alternations three to six times faster that way, and these run on every turn.
    Where lower-casing changes a text's length (a few non-Latin letters) the case-insensitive
    pattern is used instead, so matches always quote the message's own words."""

    def __init__(self, pattern: str) -> None:
        if re.search(r"[A-Z]", _NOT_LETTERS.sub("", pattern)):
            raise ValueError(f"cue patterns are written in lower case: {pattern[:60]!r}")
        self.pattern = pattern
        self._lower = re.compile(pattern)
        self._any_case: re.Pattern[str] | None = None  # compiled when first needed (rarely)

    def _prepared(self, text: str) -> tuple[re.Pattern[str], str]:
        lowered = text.lower()
        if len(lowered) == len(text):
            return self._lower, lowered
        if self._any_case is None:
            # Compiling every cue twice at import was a third of `rapport score`'s start-up.
            self._any_case = re.compile(self.pattern, re.IGNORECASE)
        return self._any_case, text

    def search(self, text: str) -> CueMatch | None:
        rx, subject = self._prepared(text)
        found = rx.search(subject)
        return CueMatch(text, found) if found else None

    def match(self, text: str) -> CueMatch | None:
        rx, subject = self._prepared(text)
        found = rx.match(subject)
        return CueMatch(text, found) if found else None

    def finditer(self, text: str) -> list[CueMatch]:
        rx, subject = self._prepared(text)
        return [CueMatch(text, found) for found in rx.finditer(subject)]


def _rx(*alternatives: str) -> Cue:
    return Cue(r"(?:" + "|".join(alternatives) + r")")


class LowerCue(Cue):
    """A long alternation of lower-case phrases."""

    def __init__(self, *alternatives: str) -> None:
        # The alternatives that start at a word boundary share one leading \b: at the
        # positions inside a word the engine then gives up after one test instead of trying
        # every phrase (about three times faster on long turns).
        bounded = [a[2:] for a in alternatives if a.startswith(r"\b")]
        others = [a for a in alternatives if not a.startswith(r"\b")]
        branches = ([r"\b(?:" + "|".join(bounded) + r")"] if bounded else []) + others
        super().__init__(r"(?:" + "|".join(branches) + r")")


# "tell me more about X": asks for more without a question mark.
MORE_REQUEST = LowerCue(
    r"\btell me (?:a (?:little |bit )?)?more\b[^.!?\n]*",
    r"\btell (?:me|us) (?:a (?:little |bit )+|something )?(?:more )?"
    r"(?:about|how|what|why|when|where|who)\b"
    r"[^.!?\n]*",
    r"\b(?:i'?m|i am|i was|i'd be) (?:just |really |mostly |genuinely |honestly |so |very |also |"
    r"actually |always )?(?:wondering|curious)\b[^.!?\n]*",
    r"\bhelp me understand\b[^.!?\n]*",
    r"\b(?:i'?d|i would) (?:really )?(?:love|like) to (?:hear|know|learn|understand|find out) "
    r"(?:more |a bit |a little )?(?:about|how|what|why|where|who|when|whether)\b[^.!?\n]*",
    r"\bi'?m (?:really )?curious (?:about|how|what|why|whether|if)\b[^.!?\n]*",
    r"\bwalk me through\b[^.!?\n]*",
    r"\bsay more about\b[^.!?\n]*",
    r"\bi wonder (?:what|how|why|whether|if)\b[^.!?\n]*",
    # an imperative of its own, not "a long time to keep going"
    r"(?:^|(?<=[.!?,;:(]\s)|(?<=[.!?,;:(]))\s*(?:please )?(?:go on|keep going|do tell)\b",
)

# Questions that only ask for more of what was just said.
GENERIC_FOLLOW_UP = _rx(
    r"^(?:and |so |oh,? |wait,? |really,? )?(?:why|how so|how come|what happened|in what way|"
    r"like what|such as|meaning|what do you mean|what did you mean|how did that go|"
    r"what was that like|what's that like|how was that|how was it|and then what|then what|"
    r"what made you|what led you|what got you|how did you (?:get|end up|decide|manage)|"
    r"what was the hardest|what surprised you|how does that work|what does that look like|"
    r"how are you (?:holding up|doing|feeling|coping|managing|finding it)|how do you feel|"
    r"how does it feel|how did (?:it|that) (?:go|feel)|how's it going|how is it going|"
    r"what(?:'s| is) making you|what makes you (?:feel|say|think)|how are you finding|"
    r"how do you find|where are you (?:headed|going|moving|off to)|what(?:'s| is) next|"
    r"what are you going to do)\b",
)

MIRROR = _rx(
    r"^(?:and|so|but|how|what)?\s*(?:about|abt)?\s*(?:you|yourself|yours|u|your end|your side)"
    r"\s*[?!.]*\s*$",
    r"^(?:are|do|did|have|will|were|would) you(?: too| as well)?\s*\?",
    r"^(?:same (?:question )?(?:to|for) you|you\?|and yourself|how about yourself|"
    r"what about yourself|how about you|what about you|and you|how's yours|and yours)"
    r"(?:\s*,?\s*(?:yourself|then|though))?\s*[?!.]*\s*$",
)

REFLECTION = _rx(
    r"^(?:so,? )?(?:it )?sounds? (?:like|as if|as though)\b",
    r"^(?:so,? )?it (?:seems|sounds|looks) (?:like|as if|that)? ?(?:you|your|for you)\b",
    r"^(?:so,? )?(?:what )?i(?:'m| am) hearing\b",
    r"^(?:so,? )?if i (?:understand|hear|heard|get) (?:you|that|this) (?:right|correctly)?",
    r"^(?:so,? )?in other words\b",
    r"^(?:so,? )?what you(?:'re| are) saying\b",
    r"^so,? (?:you|your|for you|basically you|it's|that's|the|she|he|they|it|that|there|this|"
    r"on one hand|on the one hand)\b",
    r"^(?:so,? )?you(?:'re| are) (?:feeling|saying|telling|worried|torn|excited|frustrated|"
    r"hoping|trying|looking|not sure|unsure|proud|tired|kind of|really|still|clearly|"
    r"basically)\b",
    r"^(?:so,? )?you(?:'ve| have) (?:been|had|got|seen|really)\b",
    r"^(?:so,? )?you (?:feel|felt|want|wanted|care|value|seem|sound|moved|went|left|switched|"
    r"made|built|found|realized|realised|miss|enjoy|love|hate|prefer|need|wish|mean|never|"
    r"really|basically|kind of)\b",
    r"^(?:so,? )?for you,",
    r"^(?:so,? )?(?:the|your) (?:real |main |big )?(?:challenge|problem|issue|goal|worry|"
    r"priority|bottleneck|pain) (?:is|was|seems)\b",
)

# Reflections voiced in the first person ("What I'm hearing is...", "If I understand you...").
HEARING = _rx(
    r"^(?:so,? )?(?:what )?i(?:'m| am) hearing\b",
    r"^(?:so,? )?if i (?:understand|hear|heard|get) (?:you|that|this)\b",
)

# Reflection cues that may sit mid-sentence ("But on the other hand, it sounds like...").
REFLECTION_ANYWHERE = _rx(
    r"\b(?:it |that )?(?:does |really |also )?sounds? (?:like|as if|as though) "
    r"(?:you|your|it's been|"
    r"that's been|there)\b",
    r"\bit (?:seems|looks) (?:like|as if|as though) (?:you|your|for you)\b",
    r"\bi (?:can )?(?:hear|see|sense|get the sense|get the feeling) (?:that )?you(?:'re| are| feel|"
    r"'ve| have| really)?\b",
    r"\bwhat i(?:'m| am) hearing\b",
    r"\bif i(?:'m| am) (?:hearing|understanding) (?:you|this|that) (?:right|correctly)\b",
)

# Advice and claims that start like a reflection but tell rather than restate.
NOT_REFLECTION = _rx(
    r"^(?:so,? )?you (?:really |just |simply )?(?:should|could|need to|have to|must try|"
    r"might want|ought|gotta|can't|"
    r"cannot|will|won't|know what|know,|guys should|guys need|may want|can try|can take|can use|"
    r"can do|can call|can get)\b",
)

_FEELINGS = (
    r"(?:hard|tough|rough|exciting|stressful|fun|scary|intense|amazing|exhausting|rewarding|"
    r"difficult|satisfying|a relief|nerve-?wracking|overwhelming|lonely|frustrating|painful|"
    r"draining|exhilarating|bittersweet|daunting|terrifying|thrilling|upsetting|disappointing|"
    r"hectic|chaotic|crazy|wild|brutal|stressful|lonely|tiring|nerve-racking|scary|"
    r"a lot|a big|a huge|a (?:real )?(?:rollercoaster|shock|change|adjustment|challenge))"
)
# Naming the partner's feeling is a reflection (MITI: a complex reflection), not mere empathy.
FEELING_REFLECTION = _rx(
    r"\b(?:that|it|this) (?:must|would|might|probably) (?:be|have been|feel|have felt|make|"
    r"mean|have made)\b"
    r"[^.!?\n]*",
    r"\bmust (?:be|have been) (?:so |really |pretty |quite |such )?" + _FEELINGS + r"[^.!?\n]*",
    r"\bmust (?:have )?(?:hurt|stung|sting|felt|taken a toll)\b[^.!?\n]*",
    r"\bi(?:'d| would)? (?:imagine|guess|bet) (?:that )?(?:it|that|those|this|they|you)\b[^.!?\n]*",
    r"\b(?:that |it |this )?(?:sounds|seems|looks) (?:like )?"
    r"(?:it (?:was|is|has been) |it's (?:been )?)?(?:so |really |"
    r"pretty |quite |super |incredibly |kind of |such |like )?(?:an? )?" + _FEELINGS + r"[^.!?\n]*",
    r"\byou must (?:be|have|feel)\b[^.!?\n]*",
)

# The user's own recognition of what the partner said: praise, congratulations, sympathy.
ACKNOWLEDGE = LowerCue(
    r"\bcongrat\w*[^.!?,\n]*",
    r"\bsorry to hear\b[^.!?,\n]*",
    r"^(?:oh,? |ah,? |ouch,? |oof,? )?(?:so |really |very )?sorry\b"
    r"(?!,?\s+(?:i|i'm|i've|we|to (?:interrupt|bother|jump))\b)(?: (?:about|for)\b[^.!?,\n]*)?",
    r"\bi(?:'m| am) (?:so |really )?sorry\b(?: (?:to hear|about|for)\b[^.!?,\n]*)?",
    r"\bi can (?:only )?imagine\b[^.!?,;\n]*",
    r"\b(?:that|this|it)(?:'s| is| was)? (?:so |really |pretty |quite |such |seriously )?"
    r"(?:an? )?(?:tough|hard|rough|brave|bold|impressive|huge|big|stressful|difficult|scary|"
    r"exciting|intense|inspiring|remarkable|fascinating|exhausting|rewarding|meaningful|"
    r"frustrating|a big deal|a big step|a huge step|a lot|no small|an achievement|admirable|"
    r"incredible|unusual|rare|smart|clever|a great (?:move|call|idea|story)|heavy|a heavy load|"
    r"thoughtful|humbling|heartbreaking|heartwarming|touching|moving|hilarious|relatable|"
    r"ambitious|wise|special|a good problem to have|a nice touch|a rare (?:thing|skill|find)|"
    r"a lot to carry|a lot on your plate|a full plate|a hard hit|a big loss)\b[^.!?,;\n]*",
    r"\bthanks? (?:you )?for (?:your service|being so open|sharing that)\b[^.!?,;\n]*",
    r"\b(?:that's|that is|how) (?:really |so |very )?(?:generous|kind|thoughtful|nice|good|sweet|"
    r"cool|brave) of you\b[^.!?,;\n]*",
    r"\b(?:good|great|glad|nice|happy) to hear\b[^.!?,;\n]*",
    r"\bthat (?:really )?matters\b[^.!?,;\n]*",
    r"^makes (?:total |a lot of |perfect )?sense,\s*\w[^.!?,;\n]*",
    r"\bthat takes (?:a lot of |real )?(?:stamina|guts|courage|patience|work|discipline|nerve)\b"
    r"[^.!?,;\n]*",
    r"\b(?:is|are|'s) (?:quite |really |such |so )?a lot\b[^.!?,;\n]*",
    r"\b(?:that's|that is|it's) (?:totally |completely |very )?(?:fair|understandable)\b"
    r"[^.!?,;\n]*",
    r"\b(?:everyone|everybody) (?:starts|started|feels|gets) (?:out )?(?:bad|nervous|that way)\b"
    r"[^.!?,;\n]*",
    r"\b(?:that's|that is|what) an? (?:really |very )?(?:lovely|beautiful|great|good|nice|"
    r"wonderful|fair|smart|clever|brilliant) (?:way|point|question|reason|idea|filter|tip|"
    r"thing|story|goal)\b[^.!?,;\n]*",
    r"\b(?:sounds|feels) (?:very |really |so )?familiar\b[^.!?,;\n]*",
    r"\b(?:is|are|sounds|seems) (?:quite |very |really |pretty |so )?(?:reasonable|humane|"
    r"refreshing|sensible|thoughtful|generous)\b[^.!?,;\n]*",
    r"\b(?:it's|that's|it is|that is) (?:completely |totally |perfectly |so )?(?:normal|natural|"
    r"understandable)\b[^.!?,;\n]*",
    r"\bwelcome back\b[^.!?,;\n]*",
    r"\b(?:that's|that is) (?:real |serious |true |some )?(?:dedication|commitment|passion|"
    r"perseverance|grit|leadership|talent|skill|loyalty)\b[^.!?,;\n]*",
    r"\b(?:that's|that is|it's) (?:quite |such |really )?a long (?:way|day|road|trip|haul|"
    r"journey|wait|commute)\b[^.!?,;\n]*",
    r"\b(?:that's|it's|that is) (?:quite |such |a real |really )?(?:a|an) (?:journey|story|path|"
    r"ride|leap|change|achievement|milestone|feat)\b[^.!?,;\n]*",
    r"\bwell done\b",
    r"\bgood for you\b",
    r"\bkudos\b[^.!?,;\n]*",
    r"\bhats off\b[^.!?,;\n]*",
    r"\bwhat an? (?:\w+ ){0,2}(?:journey|story|move|achievement|accomplishment|change|leap|job|"
    r"project|idea|thing to do|team|mission|"
    r"experience|year|week|path|career|nightmare|ordeal|relief|mess|pain|day)\b[^.!?,;\n]*",
    r"\bi(?:'m| am) (?:so |really )?glad (?:you|to hear|that)\b[^.!?,;\n]*",
    r"\b(?:is|are|sounds like|seems like) (?:a |an )?(?:really |very |pretty )?(?:nice|good|great|"
    r"perfect|healthy|lovely|solid|sweet) (?:size|number|mix|spot|place|setup|balance|stage|run)"
    r"\b[^.!?,;\n]*",
    r"\bi (?:really )?(?:admire|respect|appreciate)\b[^.!?,;\n]*",
    r"\bthat makes (?:a lot of |total )?sense\b[^.!?,;\n]*",
    r"\bi hear you\b",
    r"\bi (?:totally |completely )?(?:get|understand) (?:that|why|how|it)\b[^.!?,;\n]*",
    r"(?:^|\bi (?:really |just |absolutely )?)(?:love|loved) (?:that|how|the idea|your)\b"
    r"[^.!?,;\n]*",
    r"\bi(?:'d| would)? (?:really |just )?(?:like|liked|love) (?:that|how|the idea|your)\b"
    r"[^.!?,;\n]*",
    r"\bthat (?:really )?means (?:something|a lot)\b[^.!?,;\n]*",
    r"\bgenerous (?:of|with) (?:you|your)\b[^.!?,;\n]*",
    r"\b(?:nice going|way to go|well played)\b[^.!?,;\n]*",
    r"\bthanks? (?:you )?for (?:sharing|explaining|telling|trusting|being honest|your honesty|"
    r"putting|organi[sz]ing|the tip|the advice|pointing)\b[^.!?,;\n]*",
    # a verdict on what the partner lives through or did, whatever its subject
    r"\b(?:is|are|was|were) (?:so |really |pretty |quite |such |seriously |absolutely |just )?"
    r"(?:an? )?(?:tough|rough|brutal|exhausting|heavy|a heavy load|a long (?:day|wait|time|road)|"
    r"a big deal|a tall order|a big step|a big change|exciting|a big job|a big undertaking|"
    r"a lot of work|"
    r"no joke|no small thing|no small feat|a lot to (?:juggle|carry|handle))\b[^.!?,;\n]*",
    r"\bis (?:a |an )?(?:real |serious |huge |big |genuine |great |solid )?(?:marathon|milestone|"
    r"achievement|accomplishment|feat|piece of work|result|win|improvement|turnaround|progress)\b"
    r"[^.!?,;\n]*",
    r"\b(?:can't|cannot|couldn't) (?:have )?(?:be|been) (?:easy|fun)\b[^.!?,;\n]*",
    r"\b(?:takes|took|shows|showed|showing) (?:real |a lot of |so much |serious |some |genuine )?"
    r"(?:courage|guts|grit|persistence|commitment|dedication|resilience|patience|stamina|"
    r"discipline|nerve|heart)\b[^.!?,;\n]*",
    r"\b(?:gutsy|bold|brave|courageous) (?:move|call|choice|decision|thing)\b[^.!?,;\n]*",
    r"\b(?:great|impressive|amazing|huge|solid|fantastic) (?:result|outcome|win|effort)\b"
    r"[^.!?,;\n]*",
    r"\bwell[- ]deserved\b[^.!?,;\n]*",
    r"\byou (?:really )?deserve (?:it|that|this)\b[^.!?,;\n]*",
    r"\bgood on you\b[^.!?,;\n]*",
    r"\bnice (?:work|job|one)\b[^.!?,;\n]*",
    r"\b(?:great|amazing|awesome|incredible|good|fantastic) (?:work|job) (?:on|with|getting|"
    r"shipping|pulling)\b[^.!?,;\n]*",
    r"^(?:so |really )?glad (?:you|to hear|that|it|he|she|they)\b[^.!?,;\n]*",
    r"^(?:i )?hope (?:you|he|she|they|everyone|things|your)\b[^.!?,;\n]*"
    r"\b(?:better|okay|ok|well|soon|recover\w*|settle\w*|calm\w*|easier)\b[^.!?,;\n]*",
    r"\b(?:are|is|were) (?:so )?lucky to have\b[^.!?,;\n]*",
    r"\b(?:your|the) [\w-]+ (?:are|is|were) (?:so |really )?lucky\b[^.!?,;\n]*",
    r"\byou should be (?:really |so )?(?:proud|pleased|happy)\b[^.!?,;\n]*",
    r"\blook at you now\b[^.!?,;\n]*",
    r"\bsomething to be (?:really )?proud of\b[^.!?,;\n]*",
    r"\b(?:and )?rightly so\b[^.!?,;\n]*",
    r"\bas (?:they|you|she|he|it) should be\b[^.!?,;\n]*",
    r"^it (?:really |clearly )?shows\b[^.!?,;\n]*",
    r"\bno small (?:job|thing|task|effort|undertaking|project)\b[^.!?,;\n]*",
    r"\b(?:is|are|was|were) (?:really |so |pretty |quite |seriously )?(?:impressive|admirable|"
    r"remarkable|inspiring|commendable)\b[^.!?,;\n]*",
    r"\bgood for (?:you|her|him|them|the team|your)\b[^.!?,;\n]*",
    r"\b(?:so |really )?(?:happy|thrilled|glad|pleased) for (?:you|her|him|them|your)\b[^.!?,;\n]*",
    r"\b(?:a )?weight off\b[^.!?,;\n]*",
    r"(?:^|,\s*)respect[.!]*$",
    r"\b(?:they're|they are|she's|she is|he's|he is|you're|you are) (?:so |really )?lucky\b"
    r"[^.!?,;\n]*",
    r"\bi hope (?:everyone|everybody|you|they|she|he|your|the|it)[\w']*(?: [\w-]+)?"
    r"(?: is| are| was| were|'s|'re)? (?:okay|ok|alright|all right|safe|well|better|doing|"
    r"recover\w*|fine)\b[^.!?,;\n]*",
    r"\b(?:fair|good|great|excellent) point\b[^.!?,;\n]*",
    r"^fair enough(?=[.,!]\s+\w)",
    r"^(?:a |what a )?(?:big|huge|exciting|proud|momentous) (?:week|day|year|month|moment|time)\b"
    r"[^.!?,;\n]*",
    r"\b(?:that's|it's|that is) (?:a |an )?(?:real |serious |huge |big |genuine |great |solid )?"
    r"(?:marathon|milestone|achievement|accomplishment|piece of work|result|win|improvement|"
    r"turnaround)\b[^.!?,;\n]*",
    r"\bdeserves? (?:a medal|a raise|credit|a break|better|more credit|a lot of credit|"
    r"recognition|a holiday|a vacation)\b[^.!?,;\n]*",
    r"\b(?!i\b|we\b)[\w-]+ (?:are|is|were) (?:so |really )?lucky\b[^.!?,;\n]*",
    # affirmations (MITI): a strength or an effort of theirs, named
    r"\bit's (?:clear|obvious|easy to see) (?:that )?(?:you|your|the|how|they|this)\b[^.!?,;\n]*",
    r"^you(?:'ve| have)? (?:really |clearly |obviously |definitely )?(?:got|have) (?:a |an |real )?"
    r"(?:gift|knack|talent|eye|way with)\b[^.!?,;\n]*",
    r"^you (?:clearly|obviously) (?:know|care|understand|get)\b[^.!?,;\n]*",
    r"^you(?:'re| are) (?:a |an )?(?:rare|natural|born|patient|generous|brave|real|true|great|"
    r"good|gifted|talented) (?:[\w-]+ )?[\w-]+\b[^.!?,;\n]*",
    r"^you(?:'ve| have) (?:really |truly )?(?:earned|done something|built something|achieved|"
    r"pulled off|accomplished)\b[^.!?,;\n]*",
    r"\bsomething (?:most|few|a lot of|many) (?:\w+ )?(?:people|teams|companies|recruiters|"
    r"engineers|managers) (?:can't|never|don't|couldn't|won't)\b[^.!?,;\n]*",
    # an exclamation about their news: "Wow, twenty career changers in a year!"
    r"^(?:oh,? )?(?:wow|whoa|nice|amazing|awesome|incredible|impressive|brilliant|fantastic)\b,? "
    r"[^.?!\n]*\w[^.?!\n]*!",
    r"\bsorry for your loss\b[^.!?,;\n]*",
    r"\b(?:everyone|everybody) has (?:a |an )?(?:slow|rough|bad|hard|tough|awkward)\b[^.!?,;\n]*",
)

BACKCHANNEL_WORDS = wordset(
    """ok okay k kk cool nice great awesome sure yeah yes yep yup no nope nah right true mm mhm
    hmm hm uh um oh ah wow lol haha hah interesting gotcha got it i see fine alright neat sweet
    indeed totally exactly agreed same thanks thx ty good fair enough noted makes sense
    that's that is it's sounds cool very so really pretty"""
)

DISMISSIVE = LowerCue(
    r"\b(?:that's|that is|it's|this is|sounds) (?:kind of |pretty |so |really |a bit )?"
    r"(?:not true|wrong|silly|stupid|dumb|pointless|a waste(?: of time)?|overrated|outdated|"
    r"boring|easy|nothing|nonsense|naive|old news|ridiculous|lame|meh|not a real job|"
    r"not that hard|not hard)\b",
    r"\b(?:have|has) it easy\b[^.!?\n]*",
    r"\b(?:everyone|everybody) (?:gets over|goes through|deals with|says that)\b[^.!?\n]*",
    r"^\w+ happens?\b,",
    r"\b[\w-]+ happens? to (?:everyone|everybody|all of us|the best of us)\b[^.!?\n]*",
    r"\b(?:your|their) (?:own )?fault\b[^.!?\n]*",
    r"^why (?:not|don't you) just\b[^.!?\n]*",
    r"(?:^|,\s*)(?:you|they) (?:should|shouldn't|need to|just need|have to|ought to) "
    r"(?:just |really |simply )?(?:drop|stop|quit|get rid|switch|become|learn|fire|hire|move|"
    r"use|write|get)\b"
    r"[^.!?\n]*",
    r"\bi(?:'d| would) hate (?:it|that)\b",
    r"\blet me guess\b[^.!?\n]*",
    r"\b(?:it's|that's) not (?:really )?(?:about|because of) the\b[^.!?\n]*",
    r"\b(?:nobody|no one) (?:really )?(?:listens|answers|uses|cares|does|needs|reads|notices)\b"
    r"[^.!?\n]*",
    r"\b(?:they|those|these|most of them) (?:all )?(?:fail|die|go under)\b[^.!?\n]*",
    r"\byou just (?:have|need|got) to\b[^.!?\n]*",
    r"\b(?:is|'s) (?:mostly |just |all )?(?:a mindset thing|in your head)\b[^.!?\n]*",
    r"^good luck with that\b[^.!?\n]*",
    r"\bcomplains? about everything\b[^.!?\n]*",
    r"\bwho cares\b",
    # "Oh great, another mentor who's going to tell me to follow my passion": a sneer at them
    r"^(?:oh,? )?(?:great|wonderful|fantastic|perfect|brilliant|lovely|super),? (?:another|more|"
    r"just what i needed)\b[^.!?\n]*",
    # mock praise: praise turned up past belief, then "I bet" ("living the dream I bet", "bet
    # that keynote changed lives"), or "wow, <their thing>, how thrilling"
    r"\b(?:living the dream|changed (?:lives|the world)|riveting|thrilling)\b[^.!?\n]*\bi bet\b",
    r"\b(?:i )?bet (?:that|it|this|they|those)\b[^.!?\n]*\bchanged "
    r"(?:lives|the world|everything)\b",
    r"\b(?:wow|oh|ooh|ah|gosh),? [^.!?\n]{1,40}, how (?:thrilling|riveting|fascinating)\b",
    # "wow, a deploy pipeline joke. never heard that one lol": feigned novelty
    r"\bnever heard (?:that|this) one(?: before)?\b[^.!?\n]*",
    # "bet the release train is thrilling too"
    r"\bbet (?:the |that |it |this |your )?[\w' -]{0,30}(?:is|are|was|were|'s|must be) "
    r"(?:so |really )?(?:thrilling|riveting|a thrill|a blast|a joy|gripping|"
    r"(?:fascinating|great|fun|riveting|scintillating) company)\b[^.!?\n]*",
    # "Ugh, 2 a.m. shifts, sounds thrilling.": praise after a groan is mock praise
    r"^(?:ugh|urgh|ew|yikes|oof)\b[^.!?\n]*\b(?:sounds|sound|how|so|what) (?:so |really )?"
    r"(?:thrilling|riveting|fun|fascinating|exciting|delightful|lovely|glamorous|gripping)\b"
    r"[^.!?\n]*",
    # ranking their work below one's own: "I do product, the people who actually ship things"
    r"\b(?:the (?:people|ones)|those of us) who actually (?:ship|build|do|make|work|deliver)\b",
    r"\bnobody (?:uses|cares|does|needs|reads)\b",
    r"\bno one (?:uses|cares|does|needs|reads)\b",
    r"\bwell,? actually\b",
    r"\byou(?:'re| are) wrong\b",
    r"\bnot (?:really )?(?:a big deal|that impressive|that special|impressive)\b",
    r"\bwhy would (?:anyone|you)\b",
    r"\byou should(?:'ve| have)\b",
    r"\bthat never works\b",
    r"\bhonestly,? (?:that|it) (?:sounds|seems) (?:boring|easy|pointless)\b",
    r"^(?:meh|whatever|pfft)\b",
    r"\bcome on\b",
    r"\banyone can do that\b",
    r"\bthat's (?:just|only) (?:a |an )?\w+ (?:job|thing)\b",
    # denying it is the real thing, or that it amounts to much
    r"\b(?:isn't|is not|aren't|are not|not) (?:really |even )?(?:a )?(?:real|proper|actual) "
    r"(?!good|bad|well|sure|great|nice|happy|keen|big|clear)[\w-]+\b[^.!?\n]*",
    r"\b(?:that's|that is|it's|it is|this is) not (?:really |even )?(?:a )?(?:real |proper )?"
    r"(?:engineering|programming|coding|work|a job|a talk|design|science|a career)\b[^.!?\n]*",
    r"\b(?:isn't|is not|aren't|are not) (?:that|very|so) (?:many|much|big|hard|impressive|special|"
    r"difficult|new|different|interesting)\b[^.!?\n]*",
    r"\b(?:that's|that is|it's|it is|this is|is|are) hardly\b[^.!?\n]*",
    r"^isn't (?:[\w-]+ ){1,3}(?:basically|just|only|really just|a bit|a little|kind of|too|way too)"
    r" [\w-]+[^.!?\n]*",
    # correcting them
    r"^(?:no|nope|nah|wrong),? (?:that's not|that is not|it's not|that isn't|it isn't|you're wrong|"
    r"actually|it doesn't)\b[^.!?\n]*",
    r"^wrong\b[^.!?\n]*",
    r"\b(?:that's|that is) not how (?:it|that|this) works\b[^.!?\n]*",
    # belittling the effort, the feeling or the choice
    r"\banyone (?:could|can) (?:do|build|write|make|learn|have done|have built)\b[^.!?\n]*",
    r"\bwhy (?:even )?bother\b[^.!?\n]*",
    r"\bthat's what you get for\b[^.!?\n]*",
    r"\bwhat (?:do|did) you expect\b[^.!?\n]*",
    r"\byou(?:'re| are) (?:just |really |totally )?(?:overthinking|overreacting|over-?complicating|"
    r"being (?:dramatic|paranoid|exploited|naive|silly|too sensitive)|too late|too old|"
    r"kidding yourself|doing it wrong)\b[^.!?\n]*",
    r"\byou wasted\b[^.!?\n]*",
    r"\b(?:someone|somebody|they|your team|your boss|you guys) (?:should|could)(?: have|'ve) "
    r"(?:known|caught|seen|bought|used|checked|tested|listened|done)\b[^.!?\n]*",
    r"\bi (?:don't|do not|can't|cannot) see (?:why|the point|the appeal)\b[^.!?\n]*",
    r"\bi (?:don't|do not) get the (?:appeal|point|hype)\b[^.!?\n]*",
    r"\bin (?:their|your) right mind\b[^.!?\n]*",
    r"\bi(?:'d| would) never (?:trust|use|hire|touch|work|let|pick|choose|do that|go back|"
    r"waste)\b[^.!?\n]*",
    r"^must be nice\b[^.!?\n]*",
    r"\b(?:just |only )?(?:like|love|want) to complain\b[^.!?\n]*",
    r"^classic [\w-]+[^.!?\n]*",
    r"\bthey never learn\b[^.!?\n]*",
    r"\b(?:is|are|'s) (?:a lot |way |much |so much )?easier than\b[^.!?\n]*",
    # brushing the feeling aside: others have it worse, it comes with the job
    r"\bat least (?:you|it's|it is|you've|you have)\b[^.!?\n]*",
    r"\b(?:lots of|plenty of|many|most) people (?:have it|had it|are|have) (?:way |much )?worse\b"
    r"[^.!?\n]*",
    r"\bcould be (?:a lot |much |way )?worse\b[^.!?\n]*",
    r"\bfirst[- ]world problems?\b[^.!?\n]*",
    r"\bget over it\b[^.!?\n]*",
    r"\byou(?:'ll| will) get used to it\b[^.!?\n]*",
    r"\bthat's (?:just )?(?:the job|life|how it (?:is|goes))\b[^.!?\n]*",
    r"\bthat's what happens when\b[^.!?\n]*",
    r"\b(?:won't|will never|never) last\b[^.!?\n]*",
    r"\b(?:all|always) (?:look|sound|seem|are) the same\b[^.!?\n]*",
    r"\b(?:can't|cannot) be (?:that|so|very) (?:hard|difficult|bad|complicated)\b[^.!?\n]*",
    r"\bhow hard can (?:it|that) be\b[^.!?\n]*",
    r"\bwho (?:even|still) (?:uses|needs|cares|wants|reads|buys|does)\b[^.!?\n]*",
    r"\b(?:that's|how|so|it's) (?:so |kind of |pretty )?(?:cute|adorable|quaint)\b[^.!?\n]*",
    r"\bcouldn't (?:hack|cut|handle) it\b[^.!?\n]*",
    r"\byou (?:chose|picked|signed up for|asked for) (?:that|this|it)\b[^.!?\n]*",
    r"\bnot (?:a |the )?(?:good|great|smart|wise) (?:use|idea|way|choice)\b[^.!?\n]*",
    r"\b(?:slow|boring|outdated|worse|dull|easy) (?:and \w+ )?compared to\b[^.!?\n]*",
    r"\b(?:bad|poor|terrible) (?:management|planning|leadership|hiring|engineering|decisions?)\b"
    r"[^.!?\n]*",
    r"\b(?:maybe |perhaps )?the (?:real )?(?:problem|issue) is (?:you|your)\b[^.!?\n]*",
    # telling them to get over it, or that theirs is small next to others'
    r"\bi wish i had your problems?\b[^.!?\n]*",
    r"(?:^|,\s*)grow up\b[.!]*$",
    r"\b(?:cry me a river|boo hoo|welcome to the real world|suck it up|toughen up|man up|"
    r"deal with it|it is what it is|don't be (?:so )?(?:dramatic|silly|a baby)|"
    r"calm down|chill out)\b[^.!?\n]*",
    r"\bnever heard of (?:it|them|you|that|him|her)\b[^.!?\n]*",
    r"\b(?:is that|are those|is it|are they) still a thing\b[^.!?\n]*",
    r"\b(?:do|does) (?:people|anyone|companies|teams) (?:really |actually )?still\b[^.!?\n]*",
    r"\bwhat's the point (?:of|in)\b[^.!?\n]*",
    r"\bwhy on earth\b[^.!?\n]*",
    r"\bhow is (?:that|it|this) (?:even )?(?:a|an) (?:real )?[\w-]+\b[^.!?\n]*",
    r"^only [\w-]+(?: [\w-]+)?\?",
    r"\bi don't (?:think|believe) (?:that's|it's|that is|it is|they're|you're) (?:really )?"
    r"(?:a )?(?:real|true|right|fair|a big deal|that (?:hard|bad|important|special))\b[^.!?\n]*",
    r"^technically,? (?:that's|it's|that is|it is|you're|they're)\b[^.!?\n]*",
    r"^should(?:'ve| have) \w+[^.!?\n]*",
    r"\bshould be (?:used to|over|past|fine with) (?:it|that|this)\b[^.!?\n]*",
    r"\b(?:bad|wrong|poor|terrible|dumb) (?:call|move|choice|decision|bet)\b[^.!?\n]*",
    r"\b(?:just )?an excuse (?:for|to)\b[^.!?\n]*",
    r"\b(?:a bit|a little|kind of|pretty|so|that's) (?:dramatic|over the top|extreme)\b[^.!?\n]*",
    r"\btook you (?:a while|long enough|forever|ages)\b[^.!?\n]*",
    r"\bnot much of an? [\w-]+[^.!?\n]*",
    r"\byou'd be the first\b[^.!?\n]*",
    r"\b(?:picked|chose|hired|bought|used|backed) the wrong\b[^.!?\n]*",
    r"\bnot what (?:it|they|he|she) used to be\b[^.!?\n]*",
    r"\bin this day and age\b[^.!?\n]*",
    r"\byou can't (?:really )?(?:miss|love|like|enjoy|mean|be serious)\b[^.!?\n]*",
    r"\beveryone knows (?:that|this|it)\b[^.!?\n]*",
    r"\bif you ask me\b[^.!?\n]*",
    r"\b(?:is|are) (?:just )?code for\b[^.!?\n]*",
    r"\b(?:it's|that's|is|are) (?:really |honestly )?not (?:that|very|so) (?:relaxing|hard|"
    r"impressive|special|interesting|big|different|exciting|useful|fun|great|good|difficult|new|"
    r"innovative|important|smart|complicated|clever)\b[^.!?\n]*",
    r"\b(?:is|are|'s) (?:the|a) wrong [\w-]+[^.!?\n]*",
    r"\b(?:seems|looks|sounds) (?:a bit |kind of |pretty |really |so |way )?(?:slow|reckless|"
    r"naive|pointless|excessive|wasteful|backwards|unnecessary|overcomplicated|short-sighted|"
    r"misguided)\b[^.!?\n]*",
)

# Unasked advice: fixing the partner's problem instead of hearing it (a dismissal unless they
# asked for tips). Recommendations to enjoy something ("you should see the castle") are not.
# Sneers that are put-downs whatever else the turn holds: mock praise on its own ("Riveting
# stuff."; sincere praise says "fascinating"), and a question that belittles the work it asks
# about ("So what do you even do, babysit servers?"). The models read the question and call the
# turn interest (session 20, `rapport chat`); these hold as the guide defines them.
SNEER = _rx(
    r"^(?:wow,? |oh,? |ooh,? )?(?:riveting|thrilling|gripping|enthralling) stuff\b[^.!?\n]*",
    # "...my favourite topic. Riveting.": the word alone, a sentence of its own, is the eye-roll.
    r"^(?:wow,? |oh,? |ooh,? )?(?:riveting|thrilling|gripping|enthralling)\s*[.!]*$",
    r"\bwhat (?:do|does|did) (?:you|they|he|she|(?:your|a|an|the) (?:[\w-]+ ){0,3}?[\w-]+) "
    r"even (?:do|know)\b[^.!?\n]*",
    r"\bbabysit(?:s|ting)? (?:servers|computers|machines|code|robots|spreadsheets)\b[^.!?\n]*",
    # "So what do you actually do, stare at dashboards all day?": the guess is the put-down.
    r"\bwhat (?:do|does) (?:you|they|he|she) (?:actually |really )?do\b[^.!?\n]*?,\s*"
    r"(?:just )?[a-z]+(?: [a-z]+){0,4} all day\b[^.!?\n]*",
    # ...or "what do you actually do all day, stare at spreadsheets?"
    r"\bwhat (?:do|does) (?:you|they|he|she) (?:actually |really )?do all day,\s*"
    r"(?:just )?[a-z]+\b[^.!?\n]*",
    # "Do you actually enjoy being on call, or is that just what you tell people?": sincerity
    # doubted is the put-down.
    r"\bor (?:is|was) (?:that|it) (?:just )?(?:what|something) you (?:tell|say to) (?:people|"
    r"everyone|everybody|yourself|recruiters|candidates|clients|customers|investors|us)\b"
    r"[^.!?\n]*",
)

ADVICE = _rx(
    r"(?:^|[,;]\s*)(?:you|you guys|y'all) (?:really |just |simply )?"
    r"(?:should|need to|have to|ought to|must(?! be| have| feel|'ve| know| miss| love| enjoy)|"
    r"gotta|just need to|just have to)"
    r"(?: just| really| simply)? "
    r"(?!be (?:really |so |very )?(?:proud|pleased|happy|thrilled)|see\b|come\b|join\b|"
    r"visit\b|meet\b|try the\b|tell (?:me|us)\b|show (?:me|us)\b|let (?:me|us)\b|send (?:me|us)\b|"
    r"keep (?:me|us)\b|ask (?:me|us)\b|share\b|write\b|turn (?:it|that|them) into\b|submit\b|"
    r"give (?:a|the) talk\b|post\b|publish\b|blog\b|record\b|speak\b|apply\b|teach\b|"
    r"go for it\b|try it\b)"
    r"[^.!?\n]*",
    r"^(?:just |simply )?(?:stop|quit|ditch|drop|delete|ignore|automate|switch to|get rid of|"
    r"try (?:deleting|using|switching|cutting|dropping|ignoring|telling)|pace yourself|hire|fire|"
    r"cut)\b[^.!?\n]*",
    r"^don't(?:,| bother| do it| even)[^.!?\n]*",
    r"^(?:why don't you|you could always|the fix is to|the answer is to|all you need is)\b"
    r"[^.!?\n]*",
)

# The partner telling a problem of theirs: advice then fixes instead of listening.
TROUBLE = _rx(
    r"\b(?:hate|hates|keeps? (?:missing|breaking|failing|crashing)|missing|flaky|struggl\w*|"
    r"can't|cannot|won't|doesn't|don't|never|problems?|issues?|broken|slow|wearing|"
    r"complain\w*|nobody|no one|stuck|behind|drowning|too (?:many|much)|micromanag\w*|bad|"
    r"exhausting|nervous|worried|afraid|badly|stolen|delayed|cancell?ed|broke|lost|crash\w*|"
    r"sick|injur\w*|flood\w*|ghost\w*|rejected|fail\w*|hurt|breach\w*|outages?|died|passed|"
    r"death|accident|hack(?:ed|ers?)|storm|fire|layoffs?|cut|quit|stress\w*|exhausted|"
    r"burn(?:ed|t) out|laid off|let go|sad|anxious|scared|overwhelm\w*|devastat\w+|"
    r"frustrat\w+|passed away|divorce|rough|tough|hard|lonely|leaving|unsure|not sure)\b",
)

# "Sounds like a waste of a weekend": a verdict voiced with a reflection's words; a judgement
# unless the partner just told a trouble of their own ("sounds like a nightmare" then sides
# with them).
SOUNDS_JUDGEMENT = _rx(
    r"^(?:so,? )?(?:that |it |this )?(?:sounds|seems|looks) like (?:a |an )?(?:complete |total |"
    r"bit of (?:a )?|real |massive |huge )?(?:waste|overkill|nonsense|joke|hype|gimmick|scam|fad|"
    r"busywork|bad idea|mistake|mess|nightmare|pain|headache|cult|racket|recipe for disaster|"
    r"rookie mistake|you problem|training problem|management problem|non-issue|non-problem|"
    r"(?:sloppy|lazy|poor|careless|lousy|shoddy) (?:engineering|work|management|planning|code|"
    r"testing))\b"
    r"[^.!?\n]*",
)

# Judgements that stay judgements when voiced like a reflection ("So you couldn't hack it?",
# "Sounds like bad management to me").
VOICED_JUDGEMENT = _rx(
    r"\bcouldn't (?:hack|cut|handle) it\b[^.!?\n]*",
    r"\byou (?:chose|picked|signed up for|asked for) (?:that|this|it)\b[^.!?\n]*",
    r"\b(?:bad|poor|terrible) (?:management|planning|leadership|hiring|engineering|decisions?)\b"
    r"[^.!?\n]*",
    r"\bthe (?:real )?(?:problem|issue) is (?:you|your)\b[^.!?\n]*",
    r"\b(?:a|your) (?:own )?fault\b[^.!?\n]*",
    r"\b(?:a )?(?:you|skill) (?:problem|issue)\b[^.!?\n]*",
    r"\bone of those (?:people|guys|types|companies|teams|startups|recruiters)\b[^.!?\n]*",
    r"\b(?:just |probably just |only )?(?:humou?ring|patroni[sz]ing|being polite to|"
    r"being nice to|tolerating|putting up with) you\b[^.!?\n]*",
)

# Making the partner's thing small: "it's just a phone system", "recruiters just match
# keywords". The analyzer requires the partner's own words inside the match.
MINIMISER = _rx(
    r"\b(?:it's|it is|that's|that is|they're|they are|[\w-]+ (?:is|are)) (?:just|only|merely|"
    r"basically|nothing but|really just) (?:a |an |some )?[\w-]+(?: [\w-]+)?",
    r"\b[\w-]+s just (?:don't|do not|want|like|match|copy|need|hate)\b[^.!?\n]*",
)

# A verdict on the partner's thing ("Rust is a fad"); only a judgement when its subject is not
# the speaker's own experience ("it was awful" after "I was laid off" is not), see analyzer.
JUDGEMENT = _rx(
    r"\b(?P<subject>[\w-]+)(?:'s| is| are|'re| was| were) (?:(?:so|really|totally|completely|"
    r"pretty|kind of|a bit|just|always|almost always|usually|often|honestly|way|massively|"
    r"hugely|mostly|basically|probably|all|incredibly|super) ){0,2}(?:a fad|dead|"
    r"overrated|overhyped|outdated|"
    r"old-fashioned|boring|pointless|useless|a (?:complete |total )?waste of [\w ]+|a joke|"
    r"nonsense|easy|"
    r"trivial|terrible|awful|garbage|a mistake|a huge mistake|unfair|bad for you\w*|the same|"
    r"a mess|doomed|a nightmare|a pain|a headache|the worst|a scam|just babysitting|overkill|"
    r"glorified \w+|just nepotism|nepotism|a cult|tiny|an? gimmick|a fad|a bubble|hype|"
    r"a crutch|(?:mostly |just )?noise|overvalued|fake|dying|toxic|obsolete|irrelevant|lazy|"
    r"niche|a toy|bloated|clunky|ugly|unreliable|"
    r"a luxury|dated|silly|stupid|dumb|ridiculous|lame|cringe|inferior|overpriced|a rip-off|"
    r"a money pit|a time sink|not worth it|worthless|meaningless|a trap|a racket|corporate fluff|"
    r"an? dinosaurs?|dinosaurs|"
    r"a recipe for disaster|a rookie mistake|a (?:pretty |really )?low bar|a dead end|obsolete|"
    r"a terrible (?:way|idea|choice)|a bad (?:idea|choice)|oversaturated|unpaid labou?r|"
    r"(?:just|basically|only|mostly) (?:plumbing|marketing|babysitting|hype|sales|admin|"
    r"paperwork|busywork|luck|a phase|a hobby|a buzzword|glue code))\b"
    r"[^.!?\n]*",
)
# Ranking something above the partner's thing: "backend is way more fun than SRE". The analyzer
# requires the partner's words after "than".
BETTER_THAN = _rx(
    r"\b(?:is|are|'s|'re|was|were) (?:way |much |far |so much |a lot |honestly )?(?:more fun|"
    r"better|cooler|more interesting|more useful|more important|more valuable|harder|"
    r"more real|more serious|smarter|more impressive) than (?P<theirs>[^.!?,;\n]+)",
)

# A sweeping claim about the partner's kind of thing: "CFOs always focus on the wrong number",
# "Picky managers just slow hiring down". The analyzer requires the partner's words in the
# subject and no first person (the user's own habits are no verdict on theirs).
SWEEPING = _rx(
    r"^(?P<subject>(?:[\w'-]+ ){1,3}?)(?:(?:is|are|was|were) )?(?:always|never|just|only|"
    r"mostly|basically|rarely|usually|invariably) (?:\w+)[^.!?\n]*",
)
# Making light of their size: "Eight visits isn't much", "Two hundred a chair is nothing".
NOT_MUCH = _rx(
    r"^(?P<subject>(?:[\w'-]+ ){1,4}?)(?:(?:isn't|is not|aren't|are not|'s not) "
    r"(?:(?:really|that|very|so) )?(?:much|many|a lot|a big deal)|(?:is|are) (?:nothing|"
    r"no big deal|small potatoes|peanuts))\b[^.!?\n]*",
)
# Correcting their framing: "the problem is the company, not the managers".
NOT_THEIRS = _rx(r",\s*not (?:the |a |an |your |their )?(?P<theirs>[\w -]+?)[.!]*$")

# Predicting that the partner's plan fails: "it never sticks", "that won't scale".
DOOM = _rx(
    r"\b(?P<subject>it|that|this|they|those|these|which|[\w-]+s) (?:(?:never|won't|will never|"
    r"rarely|just won't|usually don't|never really) (?:works?|sticks?|lasts?|scales?|pays? off|"
    r"catch(?:es)? on|take off|survives?|go anywhere)|(?:is|are) going to fail|will fail|"
    r"(?:don't|doesn't|do not|does not) (?:really )?(?:predict|prove|mean|matter|measure|"
    r"tell you) (?:anything|much|a thing)|(?:mean|means|prove|proves) (?:nothing|very little))\b"
    r"[^.!?\n]*",
)

# "Three rounds is way too slow": too much of something, in their choice.
EXCESS = _rx(
    r"\b(?P<subject>[\w-]+)(?:'s| is| are| was| were) (?:way |far |much |a bit |a little |"
    r"kind of |just )?too (?:slow|late|long|old|young|much|many|few|small|big|complicated|"
    r"expensive|risky|early|soon)\b[^.!?\n]*"
    r"|\b(?P<subject2>[\w-]+)(?:'s| is| are) (?:a bit|a little|kind of|pretty) (?:late|long|old|"
    r"excessive|extreme|slow)\b[^.!?\n]*",
)

# Selling a product or service.
PRODUCT_PITCH = LowerCue(
    r"\b(?:our|my) (?:[\w-]+ ){0,2}(?:product|tool|platform|solution|software|service|offering|"
    r"startup|agency|firm|saas|api|plugin|system|map|reminders) (?:can|could|would|will|helps?|"
    r"saves?|does|makes?|cuts?|automates?|lets|gives|offers?|integrates?|solves?|fixes|"
    r"reduces?|increases?|boosts?|improves?|eliminates?|prevents?|replaces?|doubles?|"
    r"triples?|would have)\b"
    r"[^.!?\n]*",
    r"\b(?:our|my) (?:product|tool|platform|solution|software|app|service) is (?:the |much |way |"
    r"far )?(?:best|leading|only|number one|lighter|better|faster|cheaper|easier)\b[^.!?\n]*",
    r"\bwe(?:'re| are) (?:the )?(?:number one|#1|leading|market leader|best)\b[^.!?\n]*",
    r"\bwe (?:actually |also |now )?(?:sell|offer|provide) (?:a |an )?[^.!?\n]*",
    r"(?:^|\b(?:do|would) you |\byou )(?:want|like|care) to see (?:it|a demo|how|the numbers|"
    r"what we)\b[^.!?\n]*",
    r"\bhave you (?:ever )?(?:tried|looked at|heard of) (?:our|us)\b[^.!?\n]*",
    r"\b(?:find|finding|looking for|meet) (?:new )?(?:customers|clients|leads|buyers)\b[^.!?\n]*",
    r"\bdecision[- ]maker\b[^.!?\n]*",
    r"\bwouldn't you (?:rather|like|want)\b[^.!?\n]*",
    r"\b(?:we|i) can get you\b[^.!?\n]*",
    r"\bguaranteed\b[^.!?\n]*",
    r"\bpricing (?:tiers?|plans?)\b[^.!?\n]*",
    r"\b(?:premium|enterprise|pro) plan\b[^.!?\n]*",
    r"\b(?:save|saves|saving) you\b[^.!?\n]*",
    r"\bhave you (?:ever )?(?:considered|thought about) (?:using|switching|trying|our|buying|"
    r"how much)\b[^.!?\n]*",
    r"\bfree trial\b[^.!?\n]*",
    r"\bwe integrate with\b[^.!?\n]*",
    r"^ours (?:is|uses|does|has|works|runs|costs|gets)\b[^.!?\n]*",
    r"\bi can send you\b[^.!?\n]*",
    r"\byou need (?:us|our|this|what we)\b[^.!?\n]*",
    r"\bwith our (?:app|product|platform|tool|software|service|solution)\b[^.!?\n]*",
    r"\b(?:our|my) [\w-]+(?: [\w-]+)? (?:is|was|are) (?:built|designed|made) (?:exactly |"
    r"specifically |just )?for\b[^.!?\n]*",
    r"\bwe(?:'re| are) (?:profitable|growing fast|here to stay|not going anywhere)\b[^.!?\n]*",
    r"\b(?:won't|will not|would never) happen with us\b[^.!?\n]*",
    r"\b(?:our|my) (?:product|tool|platform|solution|software|service) (?:actually |really )?"
    r"works\b[^.!?\n]*",
    r"\bnot like (?:other|the other) (?:vendors|companies|tools|providers)\b[^.!?\n]*",
    r"\b(?:talk about|discuss|go over) (?:pricing|price|prices|costs?|the contract|terms)\b"
    r"[^.!?\n]*",
    r"\blet me show you\b[^.!?\n]*",
    r"\bwe (?:can|could) (?:help|save|cut|double|boost|automate|fix)\b[^.!?\n]*",
    r"\b(?:sign|signing) up\b[^.!?\n]*",
    r"\b(?:special|exclusive) (?:offer|discount|pricing|deal)\b[^.!?\n]*",
    r"\bour (?:clients|customers) (?:see|saw|get|got|typically|usually|love)\b[^.!?\n]*",
    r"\bcompanies like yours\b[^.!?\n]*",
    r"\b(?:roi|return on investment) of\b[^.!?\n]*",
    r"\bswitch (?:to|over to) (?:us|our)\b[^.!?\n]*",
    r"\bsend you (?:a|our) (?:proposal|quote|deck|pricing|brochure)\b[^.!?\n]*",
)

# Selling oneself.
SELF_PITCH = LowerCue(
    r"\bi(?:'m| am| would be|'d be) (?:a |the )?(?:perfect|great|ideal|strong|excellent|"
    r"natural|good) (?:fit|candidate|match|hire|addition)\b[^.!?\n]*",
    r"\bhire me\b",
    r"\bmy (?:elevator pitch|skill ?set)\b[^.!?\n]*",
    r"\bi(?:'m| am) (?:really |very |highly |super )?(?:experienced|qualified|skilled|talented|"
    r"a natural leader)\b[^.!?\n]*",
    r"\bsomeone like me\b[^.!?\n]*",
    r"\bi(?:'d| would) (?:love|like) to work (?:at|for|with|on) (?:you|your|northwind)"
    r"[^.!?\n]*",
    r"\bi(?:'d| would) be a (?:good|great|strong|perfect) fit\b[^.!?\n]*",
    r"\bmy (?:pitch|track record)\b[^.!?\n]*",
    r"\bi (?:bring|offer|deliver) (?:a |\d+)[^.!?\n]*",
    r"\bi(?:'d| would) be (?:an|a huge|a great) (?:asset|value)\b[^.!?\n]*",
    r"\bi (?:can|could) add (?:a lot of )?value\b[^.!?\n]*",
    r"\bi(?:'m| am) (?:a |an )?(?:rockstar|ninja|top performer|results-driven|self-starter|"
    r"go-getter|proven)\b[^.!?\n]*",
    r"\bi have \d+\+? years of experience\b[^.!?\n]*",
)

# Selling oneself in sales language: a pitch even when the partner asked about you.
SELF_SELL_HARD = _rx(
    r"\bi(?:'m| am) (?:a |an )?(?:rockstar|ninja|top performer|results-driven|self-starter|"
    r"go-getter|perfect fit|natural leader)\b[^.!?\n]*",
    r"\bi(?:'m| am|'d be| would be| really am) (?:a |the |an )?(?:perfect|ideal) (?:fit|candidate|"
    r"match|hire)\b[^.!?\n]*",
    r"\b(?:i can|i could|i'd|i would) add (?:a lot of |so much |real )?value\b[^.!?\n]*",
    r"\b(?:proven|strong) track record\b[^.!?\n]*",
    r"\bhire me\b[^.!?\n]*",
    r"\bi(?:'d| would) be (?:an|a huge|a great) (?:asset|value)\b[^.!?\n]*",
    r"\bi(?:'m| am) exactly what you(?:'re| are) looking for\b[^.!?\n]*",
)

# Announcing that one is job hunting asks for a job, even when the partner asked what brings
# you over; only a question about what the user is looking for makes it an answer.
JOB_SEEKING = LowerCue(
    r"\bi(?:'m| am) (?:currently |actively |really )?(?:looking for|seeking|on the hunt for|"
    r"hunting for) (?:a |an |my next |some )?(?:new )?(?:[\w-]+ )?(?:job|role|position|"
    r"opportunit\w*|internship|gig|work)\b[^.!?\n]*",
    r"\bi(?:'m| am) (?:currently |actively )?(?:job[- ]hunting|on the (?:job )?market|"
    r"actively looking|open to (?:offers|opportunities))\b[^.!?\n]*",
)
# The partner asking what the user is looking for: naming the role then answers them.
ASKS_WHAT_USER_SEEKS = _rx(
    r"\b(?:looking for|searching for|hoping to find|kind of (?:role|job|position|work))\b",
    r"\b(?:what|which) (?:role|job|position|team)s?\b",
)

# Asking for a favour: fine once trust is earned, a pitch before.
ASK = LowerCue(
    r"\brefer(?:ral|ring)?\b(?: me)?[^.!?\n]*",
    r"\bput in a (?:good )?word\b[^.!?\n]*",
    r"\b(?:introduce|intro) me\b[^.!?\n]*",
    r"\b(?:an|a warm) intro(?:duction)? to\b[^.!?\n]*",
    r"\bconnect me with\b[^.!?\n]*",
    r"\b(?:pass|forward|send) (?:along |on )?(?:you )?my (?:resume|résumé|cv)\b[^.!?\n]*",
    r"\b(?:any|have) (?:open )?(?:openings|positions|roles|vacancies|jobs|job openings)\b"
    r"[^.!?\n]*",
    r"(?:^|[.!?,]\s*)(?:so |and |also )?(?:are you|is your (?:team|company)|is \w+) "
    r"(?:currently |still )?(?:hiring|recruiting)\b[^.!?\n]*",
    r"\bmy (?:resume|résumé|cv|portfolio|linkedin)\b[^.!?\n]*",
    r"\b(?:know|knows) (?:anyone|anybody|someone) (?:on the hiring|in hiring|who(?:'s| is) hiring|"
    r"hiring)\b[^.!?\n]*",
    r"\bhiring side\b[^.!?\n]*",
    r"\bskip me\b[^.!?\n]*",
    r"\bi (?:want|need|would like|'d like) to (?:make sure i )?(?:get|land) (?:the|a|this|that) "
    r"(?:[\w-]+ )?(?:job|role|position|offer|interview)\b[^.!?\n]*",
    r"\bcan i (?:work|be) (?:fully |100% )?remote\b[^.!?\n]*",
    r"\bif i (?:got|get|were|was) (?:hired|the job|an offer|the role)\b[^.!?\n]*",
    r"\b(?:can|could|would) you (?:do|give|look at|review|check|read|fix|share) my\b[^.!?\n]*",
    r"\b(?:can|could|would) you (?:mentor|coach|sponsor|hire|train|vouch for) me\b[^.!?\n]*",
    r"\b(?:can|could|may) i (?:get|have|grab) your (?:email|number|card|contact|details)\b"
    r"[^.!?\n]*",
    r"\b(?:get|land|help me (?:get|find|land)) (?:me )?(?:a |an )?(?:job|interview|role|"
    r"position|internship)\b[^.!?\n]*",
    r"\bhiring manager\b[^.!?\n]*",
    r"\b(?:could|can|would) (?:you|we) (?:set up|schedule|do|arrange|book) (?:a |an )?"
    r"(?:call|meeting|demo|coffee|chat|intro)\b[^.!?\n]*",
    # ...a product demo, not a demo day (an accelerator's pitch event: "your usual demo-day limit")
    r"\b(?:you|your|we|our|us|i|me)\b[^.!?\n]{0,30}\bdemos?\b(?![- ]days?\b)[^.!?\n]*",
    r"\bdemos?\b(?![- ]days?\b)[^.!?\n]{0,30}\b(?:you|your)\b[^.!?\n]*",
    r"\bwould (?:you|your (?:team|company|boss)) be (?:interested|open)\b[^.!?\n]*",
    r"\bbook (?:a|some) (?:call|meeting|time)\b[^.!?\n]*",
    r"\b(?:jump|hop) on a (?:quick )?call\b[^.!?\n]*",
    r"\b(?:short|quick|brief|half-hour|half an hour|\d+[- ]minute) (?:call|chat|meeting|demo)\b"
    r"[^.!?\n]*",
    # "Does Tuesday work for a demo?", "would Thursday at 3 work?": a slot for the user's meeting
    r"\b(?:does|would|could|will) (?:monday|tuesday|wednesday|thursday|friday|tomorrow|next week|"
    r"this week|later this week)(?: (?:morning|afternoon|at \d+(?::\d\d)?(?: ?[ap]m)?))? work\b"
    r"[^.!?\n]*",
    r"\b(?:can|could|may) i send you\b[^.!?\n]*",
    r"\b(?:grab|get) (?:a )?(?:coffee|call|drink|lunch) (?:next|this|some|tomorrow|later|soon)\b"
    r"[^.!?\n]*",
    r"\bwho (?:should|could) i (?:talk|reach out|speak) to\b[^.!?\n]*",
    r"\bcould you (?:share|pass) (?:my|our)\b[^.!?\n]*",
)

HIJACK = LowerCue(
    r"^(?:anyway|anyhow|anyways)\b[^.!?\n]*",
    r"\b(?:but )?anyway,[^.!?\n]*",
    r"\benough about (?:that|you|this)\b[^.!?\n]*",
    r"\b(?:let's|let me) (?:talk|get) (?:about|to|back to) (?:me|my|what i|why i|business|"
    r"the reason)\b[^.!?\n]*",
    r"\b(?:changing|to change) the subject\b[^.!?\n]*",
    r"\bback to (?:me|my|what i)\b[^.!?\n]*",
    r"\bmore importantly,?[^.!?\n]*",
    r"\bon (?:another|a different) note\b[^.!?\n]*",
    r"\bthe reason i came over\b[^.!?\n]*",
    r"\bwhat i really wanted (?:to ask|was)\b[^.!?\n]*",
)

# The partner asking about the user's work or offer: talking about oneself then is answering.
ASKED_ABOUT_USER = _rx(
    r"\b(?:what|how) (?:about|do|did|are|is|brings|brought|made|kind)\b[^?]*\byou(?:r|rself)?\b"
    r"[^?]*\?",
    r"\b(?:tell me about (?:you|yourself|your))\b",
    r"\byou(?:r|rself)?\b[^?]*\?",
)

# The partner inviting the user's questions: any question answers them.
# The partner hands over the floor, in words the tips read the same way (`tips._HANDS_OVER`).
HANDS_OVER_FLOOR = (
    r"\bwhere (?:do you want to|would you like to|should we|shall we) (?:start|begin)\b",
    r"\bthe floor is yours\b",
)
INVITES_QUESTIONS = _rx(
    r"\bany(?:thing)? (?:questions|else)\b",
    r"\b(?:anything|what) (?:would you like|do you want|did you want|you'd like|you wanted) to "
    r"(?:know|ask|talk about|cover|discuss|chat about)\b",
    r"\bwhat can i (?:tell you|help you with|do for you)\b",
    *HANDS_OVER_FLOOR,
    r"\bask me\b",
    r"\bwhere were we\b",
)

# Generic praise: an acknowledgement only when the same sentence names what they said.
PRAISE = _rx(
    r"\b(?:that's|it's|that is|sounds|how) (?:really |so |very |pretty |super )?"
    r"(?:(?:a|an|such a) (?:really |very )?(?:serious|solid|strong|good|great|real|lovely|fine) |"
    r"sweet|lovely|"
    r"beautiful|wonderful|amazing|awesome|great|cool|nice|neat|fun|interesting|fascinating|"
    r"exciting|brilliant|fantastic|impressive)\b",
    r"\b(?:is|are|was|were) (?:such )?(?:a |an )?(?:really |so |very |pretty |super )?(?:sweet|"
    r"good|solid|lovely|beautiful|wonderful|amazing|awesome|great|cool|nice|neat|fun|fascinating|"
    r"brilliant|fantastic|impressive|gorgeous)\b",
    r"^(?:oh,? )?such (?:a |an )?(?:cool|great|lovely|fun|nice|interesting|neat)\b",
    r",\s*(?:impressive|respect)[.!]*$",
)

# "Tell me a bit about yourself." asks about the user without a question mark.
INVITES_INTRODUCTION = _rx(
    r"\btell me (?:a (?:little |bit )+|a little )?(?:more )?about (?:you|yourself|your)\b",
    r"\btell me about (?:a|an|one|the) (?:\w+ ){0,3}(?:you|you've|you're|you'd)\b",
    r"\b(?:walk me through|introduce) (?:yourself|your)\b",
    # "Tell me something that isn't on your resume."
    r"(?:^|[.!?]\s+)(?:but |so |now |okay,? |ok,? )?tell me (?:something|one thing|"
    r"a (?:fun |random )?fact)\b",
)

# What a question is about when it leaves the partner's topic for the user's agenda (job terms,
# sales qualification) or for conference small talk.
TOPIC_SHIFT = _rx(
    r"\b(?:software|keynote|talks?|sessions?|afterparty|party|meetup|hotel|staying|wifi|coffee|"
    r"lunch|swag|weather|parking|tonight|originally|by the way|anyway|unrelated|random question)\b",
)
# The user's agenda: job terms and sales qualification. A question about these is a hijack even
# when it reuses the partner's words ("Is the internship paid?").
AGENDA = _rx(
    r"\b(?:salary|salaries|paid|pay range|compensation|equity|bonus|benefits|relocation|relocate|"
    r"visas?|sponsorship|perks|budget|procurement|decision[- ]?makers?|buying decisions?|"
    r"who else is involved|sign(?:s|ing)? off on|current vendor|contract (?:ends|renewal|expires))"
    r"\b",
)

# The partner giving their name ("I'm Aisha", "Dana Okafor here"); case matters for the name.
INTRODUCTION = re.compile(
    r"\b(?:[Ii]'m|[Ii] am|[Mm]y name is|[Tt]his is) [A-Z][a-z]+"
    r"|\b(?:[Ii]'m|[Ii] am) (?:a|an|the) [\w -]{2,40}? (?:at|for|with) [A-Z]"  # a role at X
    r"|\b[Ii] work (?:at|for|as) "
)

# The user's story told as a match for the partner's ("...too", "the same thing", "myself").
SHARED_EXPERIENCE = _rx(
    r"\btoo\b(?=\s*(?:[,.!;]|$))|\b(?:as well|myself|the same|same here|me too|likewise)\b",
    r"\b(?:tried|did|had|done|know|went through|faced|seen|saw|used|use|felt|loved|hated) "
    r"(?:that|this|those|these)\b",
)

# A pointing verdict of sympathy on the partner's bad news ("That's awful", "that's the worst"):
# a judgement only when it names their thing ("Rust is a mess").
SYMPATHY = _rx(
    r"(?:^|,\s*)(?:oh no,? |ugh,? |oof,? |ouch,? |god,? |wow,? )?"
    r"(?:that's|that is|that was|what|how) "
    r"(?:so |really |just |absolutely |truly )?(?:awful|terrible|the worst|horrible|a nightmare|"
    r"unfair|a pain|a headache|a mess|brutal|rough|miserable|painful|scary|frightening)\b[^.!?\n]*",
)

# Questions the partner asks the user.
OPINION_OR_INFO_ASK = re.compile(r"\?\s*$")

# Feelings a partner shares that a reply should not step over.
EMOTION = LowerCue(
    r"\b(?:rough|tough|hard|stressful|stressed|exhausted|exhausting|burn(?:ed|t) out|laid off|"
    r"let go|lost|sad|worried|nervous|anxious|scared|struggl\w+|overwhelm\w*|thrilled|excited|"
    r"proud|devastat\w+|frustrat\w+|miss (?:it|them|him|her)|passed away|sick|divorce|"
    r"promot\w+|pregnan\w+|engaged|married|layoffs?|nervous|not sure|unsure|leaving|quit)\b",
)

# A question asked mid-sentence, in speech that never got its question mark.
EMBEDDED_QUESTION = _rx(
    r"\b(?:how|what|why|where|when|which|who) (?:else )?(?:do|does|did|can|could|would|will|"
    r"are|were|have|has) you\b",
    r"(?:^|[,;:-]\s*)(?:do|does|did|can|could|would|will|are|were|have|has) you\b",
)

# "..., is that right?": a check on a reflection, not a new question.
CHECK_QUESTION = _rx(
    r"^(?:is that (?:right|fair|true|correct|it)|right|correct|am i right|did i get that right|"
    r"does that sound right|have i got that right|yeah|no|true|huh|is it)\s*\?*\s*$",
)

QUESTION_START = _rx(
    r"^(?:and |so |but |oh,? |hey,? )?(?!what an? \b|how (?:nice|cool|great|lovely|awful)\b)"
    r"(?:what|why|how|when|where|which|who|whom|whose|"
    r"do|does|did|is|are|was|were|have|has|had|can|could|would|will|should|shall|may|might|"
    r"isn't|aren't|don't|doesn't|didn't|haven't|hasn't|won't|wouldn't|couldn't|any chance)\b",
)
