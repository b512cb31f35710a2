"""Phrase cues for the moves, compiled once.

These are conversational formulae (how people in English ask for a referral, reflect, or sell),
not word lists a library could supply; word forms, stop words and sentences come from text.py.
Each pattern is matched case-insensitively on the original message so the match is the evidence.
"""

from __future__ import annotations

import re

from app.feedback.text import wordset


def _rx(*alternatives: str) -> re.Pattern[str]:
    return re.compile(r"(?:" + "|".join(alternatives) + r")", re.IGNORECASE)


# "tell me more about X": asks for more without a question mark.
MORE_REQUEST = _rx(
    r"\btell me (?:a (?:little |bit )?)?more\b[^.!?\n]*",
    r"\btell me (?:about|how|what|why|when)\b[^.!?\n]*",
    r"\b(?:i'?d|i would) love to (?:hear|know|learn) (?:more )?(?:about|how|what|why)\b[^.!?\n]*",
    r"\bi'?m (?:really )?curious (?:about|how|what|why|whether|if)\b[^.!?\n]*",
    r"\bwalk me through\b[^.!?\n]*",
    r"\bsay more about\b[^.!?\n]*",
    r"\bi wonder (?:what|how|why|whether|if)\b[^.!?\n]*",
    r"\b(?:please )?(?:go on|keep going|do tell)\b",
)

# Questions that only ask for more of what was just said.
GENERIC_FOLLOW_UP = _rx(
    r"^(?:and |so |oh,? |wait,? |really,? )?(?:why|how so|how come|what happened|in what way|"
    r"like what|such as|meaning|what do you mean|what did you mean|how did that go|"
    r"what was that like|what's that like|how was that|how was it|and then what|then what|"
    r"what made you|what led you|what got you|how did you (?:get|end up|decide|manage)|"
    r"what was the hardest|what surprised you|how does that work|what does that look like)\b",
)

MIRROR = _rx(
    r"^(?:and|so|but|how|what)?\s*(?:about|abt)?\s*(?:you|yourself|yours|u|your end|your side)"
    r"\s*[?!.]*\s*$",
    r"^(?:same (?:question )?(?:to|for) you|you\?|and yourself|how about yourself|"
    r"what about yourself|how about you|what about you|and you|how's yours|and yours)\b",
)

REFLECTION = _rx(
    r"^(?:so,? )?(?:it )?sounds? (?:like|as if|as though)\b",
    r"^(?:so,? )?it (?:seems|sounds|looks) (?:like|as if|that)? ?(?:you|your|for you)\b",
    r"^(?:so,? )?(?:what )?i(?:'m| am) hearing\b",
    r"^(?:so,? )?if i (?:understand|hear|heard|get) (?:you|that|this) (?:right|correctly)?",
    r"^(?:so,? )?in other words\b",
    r"^(?:so,? )?what you(?:'re| are) saying\b",
    r"^so,? (?:you|your|for you|basically you|it's|that's|the)\b",
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

# Advice and claims that start like a reflection but tell rather than restate.
NOT_REFLECTION = _rx(
    r"^(?:so,? )?you (?:should|could|need to|have to|must try|might want|ought|gotta|can't|"
    r"cannot|will|won't|know what)\b",
)

EMPATHY = _rx(
    r"\bcongrat\w*",
    r"\bsorry to hear\b",
    r"\bi(?:'m| am) (?:so |really )?sorry\b",
    r"\bi can (?:only )?imagine\b",
    r"\bthat (?:must|would|might) (?:be|have been|feel)\b[^.!?\n]*",
    r"\bmust (?:be|have been) (?:so |really |pretty |quite )?(?:hard|tough|rough|exciting|"
    r"stressful|fun|scary|intense|amazing|exhausting|rewarding|difficult|satisfying|a relief|"
    r"nerve-?wracking|overwhelming|a big|a huge)\b",
    r"\b(?:that|this|it)(?:'s| is| was| sounds| seems)? (?:so |really |pretty |quite |such )?"
    r"(?:an? )?(?:tough|hard|rough|brave|bold|impressive|huge|big|stressful|difficult|scary|"
    r"exciting|intense|inspiring|remarkable|fascinating|exhausting|rewarding|meaningful|"
    r"frustrating|a big deal|a big step|a huge step|a lot|no small)\b[^.!?\n]*",
    r"\bwell done\b",
    r"\bgood for you\b",
    r"\bkudos\b",
    r"\bwhat an? (?:\w+ ){0,2}(?:journey|story|move|achievement|accomplishment|change|leap|"
    r"experience|year|week)\b",
    r"\bi (?:really )?(?:admire|respect|appreciate)\b[^.!?\n]*",
    r"\bthat makes (?:a lot of |total )?sense\b",
    r"\bi hear you\b",
)

BACKCHANNEL_WORDS = wordset(
    """ok okay k kk cool nice great awesome sure yeah yes yep yup no nope nah right true mm mhm
    hmm hm uh um oh ah wow lol haha hah interesting gotcha got it i see fine alright neat sweet
    indeed totally exactly agreed same thanks thx ty good fair enough noted makes sense
    that's that is it's sounds cool very so really pretty"""
)

DISMISSIVE = _rx(
    r"\b(?:that's|that is|it's|this is|sounds) (?:kind of |pretty |so |really |a bit )?"
    r"(?:not true|wrong|silly|stupid|dumb|pointless|a waste(?: of time)?|overrated|outdated|"
    r"boring|easy|nothing|nonsense|naive|old news|ridiculous|lame|meh|not a real job|"
    r"not that hard|not hard)\b",
    r"\bwho cares\b",
    r"\bnobody (?:uses|cares|does|needs|reads)\b",
    r"\bno one (?:uses|cares|does|needs|reads)\b",
    r"\bwell,? actually\b",
    r"\byou(?:'re| are) wrong\b",
    r"\bnot (?:really )?(?:a big deal|that impressive|that special|impressive)\b",
    r"\bwhy would (?:anyone|you)\b",
    r"\byou should(?:'ve| have)\b",
    r"\bthat never works\b",
    r"\bhonestly,? (?:that|it) (?:sounds|seems) (?:boring|easy|pointless)\b",
    r"^(?:meh|whatever|pfft|ugh)\b",
    r"\bcome on\b",
    r"\banyone can do that\b",
    r"\bthat's (?:just|only) (?:a |an )?\w+ (?:job|thing)\b",
)

# Selling a product or service.
PRODUCT_PITCH = _rx(
    r"\b(?:our|my) (?:product|tool|platform|solution|software|app|service|offering|startup|"
    r"company|agency|team|firm|saas|api|plugin|system) (?:can|could|would|will|helps?|saves?|"
    r"does|is|makes?|cuts?|automates?|lets|gives|offers?|integrates?)\b[^.!?\n]*",
    r"\b(?:save|saves|saving) you\b[^.!?\n]*",
    r"\bwould you be (?:interested|open) (?:in|to)\b[^.!?\n]*",
    r"\bhave you (?:ever )?(?:considered|thought about) (?:using|switching|trying|our|buying|"
    r"how much)\b[^.!?\n]*",
    r"\bfree trial\b",
    r"\b(?:a|our|quick|short|15[- ]minute|30[- ]minute|live) demo\b[^.!?\n]*",
    r"\bdemo (?:of|for) (?:our|my)\b[^.!?\n]*",
    r"\bbook (?:a|some) (?:call|meeting|time)\b[^.!?\n]*",
    r"\b(?:jump|hop) on a (?:quick )?call\b[^.!?\n]*",
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
SELF_PITCH = _rx(
    r"\bi(?:'m| am| would be|'d be) (?:a |the )?(?:perfect|great|ideal|strong|excellent|"
    r"natural|good) (?:fit|candidate|match|hire|addition)\b[^.!?\n]*",
    r"\bhire me\b",
    r"\bmy (?:resume|résumé|cv|portfolio|linkedin|elevator pitch|skill ?set)\b[^.!?\n]*",
    r"\bmy (?:pitch|track record)\b[^.!?\n]*",
    r"\bi (?:bring|offer|deliver) (?:a |\d+)[^.!?\n]*",
    r"\bi(?:'d| would) be (?:an|a huge|a great) (?:asset|value)\b[^.!?\n]*",
    r"\bi (?:can|could) add (?:a lot of )?value\b[^.!?\n]*",
    r"\bi(?:'m| am) (?:a |an )?(?:rockstar|ninja|top performer|results-driven|self-starter|"
    r"go-getter|proven)\b[^.!?\n]*",
    r"\bi(?:'m| am) (?:currently )?(?:looking for|seeking|on the hunt for) (?:a |an |my next )?"
    r"(?:job|role|position|opportunit\w*|internship|gig)\b[^.!?\n]*",
    r"\bi have \d+\+? years of experience\b[^.!?\n]*",
)

# Asking for a favour: fine once trust is earned, a pitch before.
ASK = _rx(
    r"\brefer(?:ral|ring)?\b(?: me)?[^.!?\n]*",
    r"\bput in a (?:good )?word\b[^.!?\n]*",
    r"\b(?:introduce|intro) me\b[^.!?\n]*",
    r"\b(?:an|a warm) intro(?:duction)? to\b[^.!?\n]*",
    r"\bconnect me with\b[^.!?\n]*",
    r"\b(?:pass|forward|send) (?:along |on )?(?:you )?my (?:resume|résumé|cv)\b[^.!?\n]*",
    r"\b(?:any|have) (?:open )?(?:openings|positions|roles|vacancies|jobs|job openings)\b"
    r"[^.!?\n]*",
    r"\b(?:are you|is your (?:team|company)|is \w+) (?:hiring|recruiting)\b[^.!?\n]*",
    r"\b(?:get|land|help me (?:get|find|land)) (?:me )?(?:a |an )?(?:job|interview|role|"
    r"position|internship)\b[^.!?\n]*",
    r"\bhiring manager\b[^.!?\n]*",
    r"\b(?:could|can|would) (?:you|we) (?:set up|schedule|do|arrange|book) (?:a |an )?"
    r"(?:call|meeting|demo|coffee|chat|intro)\b[^.!?\n]*",
    r"\bdemo\b[^.!?\n]*",
    r"\b(?:grab|get) (?:a )?(?:coffee|call) (?:next|this|some)\b[^.!?\n]*",
    r"\bwho (?:should|could) i (?:talk|reach out|speak) to\b[^.!?\n]*",
    r"\bcould you (?:share|pass) (?:my|our)\b[^.!?\n]*",
)

HIJACK = _rx(
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

# Questions the partner asks the user.
OPINION_OR_INFO_ASK = re.compile(r"\?\s*$")

# Feelings a partner shares that a reply should not step over.
EMOTION = _rx(
    r"\b(?:rough|tough|hard|stressful|stressed|exhausted|exhausting|burn(?:ed|t) out|laid off|"
    r"let go|lost|sad|worried|nervous|anxious|scared|struggl\w+|overwhelm\w*|thrilled|excited|"
    r"proud|devastat\w+|frustrat\w+|miss (?:it|them|him|her)|passed away|sick|divorce|"
    r"promot\w+|pregnan\w+|engaged|married)\b",
)

QUESTION_START = _rx(
    r"^(?:and |so |but |oh,? |hey,? )?(?:what|why|how|when|where|which|who|whom|whose|"
    r"do|does|did|is|are|was|were|have|has|had|can|could|would|will|should|shall|may|might|"
    r"isn't|aren't|don't|doesn't|didn't|haven't|hasn't|won't|wouldn't|couldn't|any chance)\b",
)
