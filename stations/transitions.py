"""The one status guard every model with a ``TRANSITIONS`` table goes through."""

from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext as _


class InvalidTransition(ValidationError):
    """A status change that the model's transition table does not allow."""

    def __init__(self, obj, current, new):
        self.obj, self.current, self.new = obj, current, new
        super().__init__(
            _("%(model)s %(obj)s cannot go from “%(current)s” to “%(new)s”.")
            % {
                "model": capfirst(obj._meta.verbose_name),
                "obj": obj,
                "current": obj.Status(current).label,
                "new": obj.Status(new).label,
            }
        )


def ensure_transition(obj, new) -> None:
    """Raise InvalidTransition unless ``obj.status`` may move to ``new``."""
    current = obj.Status(obj.status)
    if new not in obj.Status.values:
        raise ValidationError(
            {
                "status": _("“%(value)s” is not a status of %(model)s.")
                % {"value": new, "model": obj._meta.verbose_name}
            }
        )
    if obj.Status(new) not in obj.TRANSITIONS.get(current, set()):
        raise InvalidTransition(obj, current, new)
