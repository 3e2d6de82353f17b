"""Domain errors of the call script; views show ``str(error)`` to the operator."""


class CallError(Exception):
    """A call-script action that cannot be done; the message says why, in words."""

    @property
    def message(self) -> str:
        return str(self)


class StepNotReady(CallError):
    """A step was asked for before its pre-conditions hold; ``step`` is where to go instead."""

    def __init__(self, message: str, *, step: str):
        super().__init__(message)
        self.step = step
