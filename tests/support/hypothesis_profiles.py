"""How hard the fuzz tests try: 100 examples per test locally, 1,000 in CI.

HYPOTHESIS_PROFILE chooses a profile by name; otherwise CI=true (set by CI systems) picks "ci".
`pytest --hypothesis-profile NAME` still wins: Hypothesis' plugin reads it after this is loaded.
"""

import os

from hypothesis import settings

# "ci" builds on Hypothesis' own CI profile (derandomized, no example database, no deadline).
settings.register_profile("ci", settings.get_profile("ci"), max_examples=1000)
# "dev" builds on Hypothesis' plain defaults, whichever profile it has already loaded itself.
settings.register_profile("dev", settings.get_profile("default"), max_examples=100)


def load_profile() -> str:
    in_ci = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
    name = os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if in_ci else "dev")
    settings.load_profile(name)
    return name
