"""The risk instruments the product ships: the SafeLives DASH RIC (2009) and a recorded external grade.

The DASH prompts are paraphrased topics (domain.md section 2); a deployment with a licence for the
official wording loads it with `python manage.py load_risk_instrument <file.json>`.
"""

DASH_CODE = "safelives-dash-2009"
EXTERNAL_GRADE_CODE = "external-grade"

DASH_TOPICS = [
    "Has the current incident resulted in an injury?",
    "Is the victim very frightened?",
    "What is the victim afraid of: further injury or violence, being killed, for themselves, the children or others?",
    "Does the victim feel isolated from family or friends?",
    "Is the victim feeling depressed or having suicidal thoughts?",
    "Has the victim separated or tried to separate from the abuser within the past year?",
    "Is there conflict over child contact?",
    "Does the abuser constantly text, call, contact, follow, stalk or harass the victim?",
    "Is the victim pregnant or have they had a baby in the last 18 months?",
    "Is the abuse happening more often?",
    "Is the abuse getting worse?",
    "Does the abuser try to control everything the victim does, or are they excessively jealous?",
    "Has the abuser used weapons or objects to hurt the victim?",
    "Has the abuser ever threatened to kill the victim or someone else, and did the victim believe them?",
    "Has the abuser ever attempted to strangle, choke, suffocate or drown the victim?",
    "Does the abuser do or say things of a sexual nature that make the victim feel bad, or hurt them or others?",
    "Is there another person who has threatened the victim or whom the victim is afraid of (honour-based abuse)?",
    "Does the victim know if the abuser has hurt anyone else: children, relatives, previous partners or strangers?",
    "Has the abuser ever mistreated an animal or the family pet?",
    "Are there financial issues, or is the victim dependent on the abuser for money?",
    "Has the abuser had problems in the past year with drugs, alcohol or mental health?",
    "Has the abuser ever threatened or attempted suicide?",
    "Has the abuser ever breached bail, an injunction or a child-contact agreement?",
    "Does the victim know if the abuser has ever been in trouble with the police or has a criminal history?",
]

DASH_QUESTIONS = [{"key": f"q{number}", "prompt": prompt} for number, prompt in enumerate(DASH_TOPICS, start=1)]
