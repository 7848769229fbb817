"""Coordination models, one module per part of the loop."""

from .calendar import *  # noqa: F403
from .meetings import *  # noqa: F403
from .messages import *  # noqa: F403
from .paperwork import *  # noqa: F403
from .plan import *  # noqa: F403
from .referrals import *  # noqa: F403
from .tasks import *  # noqa: F403
from .visits import *  # noqa: F403
