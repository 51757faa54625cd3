"""Pages: the bell (a badge refreshed by htmx), the list of one's notifications, and one's
channels."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from notifications import selectors, services
from notifications.forms import PersonalWebhookForm, PreferenceForm
from notifications.models import Notification


@login_required
def notification_list(request):
    notifications = selectors.notifications_for(request.user)
    if request.GET.get("unread") == "1":
        notifications = notifications.filter(read_at=None)
    return render(
        request,
        "notifications/notification_list.html",
        {"notifications": notifications[:100], "only_unread": request.GET.get("unread") == "1"},
    )


@login_required
def bell(request):
    return render(request, "notifications/_bell.html")


@login_required
def notification_open(request, pk: int):
    """Mark it read and go where it points (the ticket)."""
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    services.notification_read(user=request.user, notification_id=notification.pk)
    target = notification.url
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications:list")


@login_required
@require_POST
def read_all(request):
    services.notifications_read_all(user=request.user)
    messages.success(request, _("All notifications are marked read."))
    return redirect("notifications:list")


@login_required
def preferences(request):
    user = request.user
    preference = services.preference_for(user)
    webhook = user.webhooks.first() if user.is_staff_member else None
    form = PreferenceForm(request.POST or None, instance=preference, prefix="channels")
    hook_form = (
        PersonalWebhookForm(request.POST or None, instance=webhook, prefix="webhook") if user.is_staff_member else None
    )
    if request.method == "POST" and form.is_valid() and (hook_form is None or hook_form.is_valid()):
        services.preference_save(user=user, **form.cleaned_data)
        if hook_form is not None:
            services.personal_webhook_save(user=user, **hook_form.cleaned_data)
        messages.success(request, _("Your notification channels were saved."))
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form, "hook_form": hook_form})
