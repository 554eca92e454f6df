"""The one status guard every model with a ``TRANSITIONS`` table goes through."""

from django.utils.translation import gettext as _


class InvalidTransition(Exception):
    """A status change that the model's transition table does not allow."""

    def __init__(self, obj, current, new):
        self.obj, self.current, self.new = obj, current, new
        super().__init__(
            _("%(model)s %(obj)s cannot go from “%(current)s” to “%(new)s”.")
            % {
                "model": obj._meta.verbose_name,
                "obj": obj,
                "current": obj.Status(current).label,
                "new": obj.Status(new).label,
            }
        )


def ensure_transition(obj, new) -> None:
    """Raise InvalidTransition unless ``obj.status`` may move to ``new``."""
    current = obj.Status(obj.status)
    if obj.Status(new) not in obj.TRANSITIONS.get(current, set()):
        raise InvalidTransition(obj, current, new)
