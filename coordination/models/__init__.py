"""Coordination models, one module per part of the loop."""

from .core import PaperworkRequest, Referral, Task, Visit, VisitQuestion, business_days
from .meetings import *  # noqa: F403
from .messages import *  # noqa: F403
from .plan import *  # noqa: F403
from .reminders import *  # noqa: F403

__all__ = ["PaperworkRequest", "Referral", "Task", "Visit", "VisitQuestion", "business_days"]
