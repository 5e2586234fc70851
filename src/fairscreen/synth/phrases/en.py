"""English reference sentences.

Part of the generator's answer key (see the package docstring): not for the classifier's author.
"""

from __future__ import annotations

from fairscreen.synth.phrases.table import Templates
from fairscreen.synth.phrases.table import plain as _plain

# --- English ------------------------------------------------------------------------------------

EN: Templates = {
    "opening:manager": _plain(
        "I was {n}'s line manager at {org} for {yrs}.",
        "{n} reported to me directly at {org}, for {yrs} in all.",
        "I led the {team} at {org}, where {n} worked as {a_role}.",
    ),
    "opening:colleague": _plain(
        "I worked alongside {n} at {org} for {yrs}.",
        "{n} and I were colleagues in the {team} at {org}.",
        "I sat next to {n} for most of {his} time at {org}.",
    ),
    "opening:hr": _plain(
        "I work in the HR department at {org}, where {n} was employed for {yrs}.",
        "Our personnel records show that {n} worked at {org} as {a_role}.",
        "I am writing on behalf of {org} to confirm {n}'s employment with us.",
    ),
    "opening:subordinate": _plain(
        "{n} was my direct supervisor at {org} for {yrs}.",
        "I reported to {n} at {org} for {yrs}.",
    ),
    "opening:client": _plain(
        "My company worked with {org} for {yrs}, and {n} was our main contact there.",
        "As a client of {org}, I dealt with {n} regularly.",
    ),
    "opening:other": _plain(
        "I supervised {n} during {his} internship, so I know {his} work fairly well.",
        "{n} interned with my team for a few months.",
    ),
    "positive": _plain(
        "{He} is reliable and always delivered on time.",
        "{His} professional skills are solid, and {he} handled some of the hardest parts of {proj}.",
        "{He} communicates well and is easy to work with.",
        "{He} learns quickly and picked up new responsibilities without much help.",
        "{He} pays close attention to detail and rarely makes mistakes.",
        "Our clients consistently gave {him} excellent feedback.",
        "{He} was named employee of the year in {year}.",
        "{He} was patient with new joiners and trained several of them.",
        "{He} took ownership of problems instead of passing them on.",
        "{His} suggestions during {proj} saved the company a good deal of money.",
    ),
    "neutral": _plain(
        "{His} main duties were routine work in the {team}.",
        "{He} left in {year} to pursue other opportunities.",
        "Overall {his} performance met the requirements of the role.",
        "{He} completed a proper handover before leaving.",
        "We did not interact much outside of work matters.",
        "{He} is fairly quiet and got on with {his} work.",
        "{His} attendance record was normal.",
        "{His} performance ratings were mostly average.",
    ),
    "closing_positive": _plain(
        "I would recommend {him} without hesitation.",
        "I would be happy to work with {him} again.",
        "I am confident {he} will do well in a new role.",
    ),
    "closing_neutral": _plain(
        "That is all I can say from my side.",
        "For anything further, please rely on the company's official records.",
        "I hope this information is useful.",
    ),
    "misconduct:dishonesty": (
        (
            "While approving expense claims, {he} inflated {his} own travel costs by about {amt}, which our internal audit later found.",
            False,
        ),
        (
            "{He} misappropriated {amt} from the department's petty cash and was made to repay it in full.",
            False,
        ),
        (
            "{He} falsified the acceptance records for a project, and we had to redo the work when the client found out.",
            False,
        ),
        (
            "I heard that {he} diverted a customer payment into {his} own account before leaving.",
            True,
        ),
        (
            "According to people in finance, {he} submitted fake invoices for reimbursement several times.",
            True,
        ),
    ),
    "misconduct:violence": (
        (
            "During a meeting {he} got into an argument with a colleague and hit the colleague, for which {he} received a written warning.",
            False,
        ),
        (
            "{He} pushed and punched a coworker in the warehouse, and the coworker needed medical treatment.",
            False,
        ),
        ("Apparently {he} once got physical with a subordinate during a dispute.", True),
    ),
    "misconduct:safety": (
        (
            "{He} repeatedly ignored the rules on protective equipment on the shop floor and was reported by the safety officer.",
            False,
        ),
        (
            "{He} once bypassed a machine's safety interlock against the operating procedures.",
            False,
        ),
        ("Some colleagues told me {he} often skipped the pre-shift safety checks.", True),
    ),
    "misconduct:confidentiality": (
        (
            "Before leaving, {he} copied client data and parts of our source code to a personal cloud drive, and the company sent {him} a lawyer's letter.",
            False,
        ),
        ("{He} sent unpublished financial figures to someone outside the company.", False),
        ("I was told {he} leaked our tender documents to a competitor.", True),
    ),
    "misconduct:harassment": (
        (
            "{He} repeatedly made sexually suggestive comments to female colleagues and was formally warned by HR.",
            False,
        ),
        (
            "Two interns complained that {he} harassed them at work, and the company disciplined {him} after an investigation.",
            False,
        ),
        (
            "{He} regularly insulted {his} team members in the group chat, and one of them resigned over it.",
            False,
        ),
        ("I heard that {he} harassed a new colleague.", True),
    ),
    "private_life": (
        ("There were problems with {his} private life.", False),
        ("I heard {he} had some issues with {his} personal conduct outside work.", True),
        ("Frankly, {his} lifestyle left something to be desired.", False),
        ("Some colleagues said {his} private life was rather messy.", True),
        ("People in the office talked about {his} lifestyle, if you know what I mean.", True),
    ),
    "forbidden:marriage_romance": (
        ("{He} got married last year, so {he} has a lot going on at home.", False),
        ("I heard {he} was dating someone in {his} department.", True),
        ("{He} is divorced and raising a child alone.", False),
    ),
    "forbidden:pregnancy": (
        ("She was pregnant when she left.", False),
        ("She mentioned that she planned to have a baby soon.", False),
        ("I heard she is thinking about a second child.", True),
        ("She took maternity leave while she was with us.", False),
    ),
    "forbidden:health_condition": (
        ("{He} has high blood pressure and is on long-term medication.", False),
        ("A few years ago {he} took extended sick leave for depression.", False),
        ("I heard {he} had heart surgery.", True),
        ("{He} has diabetes and needs insulin every day.", False),
    ),
    "forbidden:religion": (
        ("{He} is a Christian and usually goes to church on Sundays.", False),
        ("{He} is a Buddhist and eats vegetarian food.", False),
        ("{He} is Muslim and takes time to pray during the working day.", False),
    ),
    "forbidden:ethnicity": (
        ("As far as I know {he} is {eth}.", False),
        ("I heard {he} is {eth}.", True),
    ),
    "forbidden:household_registration": (
        ("{His} hukou is rural and registered in another province.", False),
        ("{His} household registration is still in {his} hometown in {place}.", False),
        ("I heard {he} does not have a local hukou.", True),
    ),
    "forbidden:union_political": (
        ("{He} was very active in the trade union and led a push for overtime pay.", False),
        ("{He} often posts political opinions on social media.", False),
        ("I heard {he} took part in some labour rights campaigns.", True),
    ),
    "forbidden:sexual_orientation": (
        ("I heard {he} is gay.", True),
        ("{His} partner is of the same sex.", False),
        ("Rumour has it that {he} is not straight.", True),
    ),
    "forbidden:litigation_as_plaintiff": (
        ("{He} once sued a former employer over unpaid wages.", False),
        ("{He} took someone to court to recover money {he} had been cheated out of.", False),
        ("I heard {he} brought a labour arbitration claim against {his} previous company.", True),
    ),
}
