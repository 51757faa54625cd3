from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "training"
    verbose_name = _("Training and knowledge base")

    def ready(self) -> None:
        # tickets never imports training: its pages learn at start-up to show the knowledge base
        from tickets.panels import register_form_aside, register_panel
        from training import panels

        register_panel(panels.article_draft_panel)
        register_form_aside(panels.suggestions_aside)
