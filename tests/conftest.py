"""Hypothesis profiles, chosen by the environment variable HYPOTHESIS_PROFILE.

``default`` (``make test``) keeps Hypothesis's own example count; ``fuzz`` (``make fuzz``)
draws twenty times as many. A test that scales with the profile takes its share of
``settings.default.max_examples`` (see tests/test_fuzz_arguments.py); a test that names its
own ``max_examples`` is not scaled.
"""

import os

from hypothesis import settings

settings.register_profile("default", max_examples=100)
settings.register_profile("fuzz", max_examples=2000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
