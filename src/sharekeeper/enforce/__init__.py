"""The client library resource services embed: ``from sharekeeper.enforce import
AccessChecker`` (docs/enforcement.md, "The AccessChecker")."""

from sharekeeper.enforce.checker import AccessChecker, Answer, CheckerError

__all__ = ["AccessChecker", "Answer", "CheckerError"]
