"""Where the project's shared material is: ``shared/`` beside the checkout (as in CI).

``ACCUEIL_SHARED`` overrides it.
"""

from __future__ import annotations

import os
from pathlib import Path

SHARED = Path(os.environ.get("ACCUEIL_SHARED") or Path(__file__).resolve().parents[1].parent
              / "shared")
SIPP_SCENARIOS = SHARED / "sipp"
RFC4475 = SHARED / "sip" / "rfc4475"
