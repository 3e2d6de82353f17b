"""Domain errors of the call script; views show ``str(error)`` to the operator."""


class CallError(Exception):
    """A call-script action that cannot be done; the message says why, in words.

    ``field`` names the form field the operator must fix, when there is one: the screen shows
    the message at that field and puts the focus there.
    """

    def __init__(self, *args, field: str | None = None):
        super().__init__(*args)
        self.field = field

    @property
    def message(self) -> str:
        return str(self)


class StepNotReady(CallError):
    """A step was asked for before its pre-conditions hold; ``step`` is where to go instead."""

    def __init__(self, message: str, *, step: str):
        super().__init__(message)
        self.step = step
