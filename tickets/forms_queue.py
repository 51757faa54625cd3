"""The queue's forms for saved views: save the shown filters under a name; change a view."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Team, User
from tickets import queue_views


def _teams_for(user: User):
    """The teams a view may be shared with: the user's own (a manager or admin: any)."""
    teams = Team.objects.filter(is_active=True).order_by("name")
    return teams if user.can_manage else teams.filter(memberships__user=user).distinct()


class QueueViewSaveForm(forms.Form):
    name = forms.CharField(label=_("Name of the view"), max_length=80)
    team = forms.ModelChoiceField(
        label=_("Share with team"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=_("Only me"),
    )

    def __init__(self, *args, user: User, teams: list | None = None, **kwargs):
        """``teams``: the teams to offer, already read (the queue page's); else they are read."""
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = _teams_for(user)
        if teams is not None:
            self.fields["team"].choices = [("", self.fields["team"].empty_label)] + [(t.pk, str(t)) for t in teams]
        self.fields["name"].widget.attrs.update(id="id_view_name", **{"class": "form-control form-control-sm"})
        self.fields["team"].widget.attrs.update(id="id_view_team", **{"class": "form-select form-select-sm"})


class QueueViewEditForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    team = forms.ModelChoiceField(
        label=_("Share with team"), queryset=Team.objects.none(), required=False, empty_label=_("Only me")
    )
    columns = forms.MultipleChoiceField(
        label=_("Columns"), choices=[], widget=forms.CheckboxSelectMultiple, required=True
    )
    sort = forms.ChoiceField(label=_("Sort by"), choices=[])
    position = forms.IntegerField(
        label=_("Position"), min_value=0, max_value=32767, help_text=_("Views are listed by position, then by name.")
    )
    take_filters = forms.BooleanField(
        label=_("Replace the view's filters with those of the queue as it was shown"), required=False
    )

    def __init__(self, *args, user: User, view, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "name": view.name,
                "team": view.team_id,
                "columns": view.columns or queue_views.DEFAULT_COLUMNS,
                "sort": view.sort,
                "position": view.position,
            },
        )
        super().__init__(*args, **kwargs)
        allowed = Q(pk__in=_teams_for(user).values("pk")) | Q(pk=view.team_id)
        self.fields["team"].queryset = Team.objects.filter(allowed).order_by("name")
        self.fields["columns"].choices = list(queue_views.COLUMNS.items())
        self.fields["sort"].choices = [
            (f"{sign}{key}", f"{label} ({direction})")
            for key, label in queue_views.SORTS.items()
            for sign, direction in (("", _("ascending")), ("-", _("descending")))
        ]
