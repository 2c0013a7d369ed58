"""rtlab: a notebook lab for the ways a web server pushes live data to a client."""

from __future__ import annotations

from rtlab import env
from rtlab.hub import Hub, Subscription, Topic
from rtlab.message import Gap, Message, Restart

__all__ = ["Gap", "Hub", "Message", "Restart", "Subscription", "Topic", "env"]
__version__ = "0.1.0"
