"""dlpgate: an email data-loss-prevention gateway for UK councils."""

from dlpgate.model import Decision, Finding, Message, Outcome, Verdict

__version__ = "0.1.0"
__all__ = ["Decision", "Finding", "Message", "Outcome", "Verdict", "__version__"]
