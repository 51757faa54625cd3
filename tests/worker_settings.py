"""Settings of the real worker in tests/test_worker_faults.py: production settings whose mail
goes to files slowly, so that a kill lands while a message is being sent, as it would with a
real mail server, rather than in the instant between the send and its record."""

from servicedesk.settings import *  # noqa: F403

EMAIL_BACKEND = "tests.worker_settings.SlowFileBackend"


def _slow_file_backend():
    import time

    from django.core.mail.backends.filebased import EmailBackend

    class SlowFileBackend(EmailBackend):
        def send_messages(self, email_messages):
            time.sleep(0.2)  # the mail server takes its time
            return super().send_messages(email_messages)

    return SlowFileBackend


def __getattr__(name):  # the backend class is built lazily, after Django is configured
    if name == "SlowFileBackend":
        return _slow_file_backend()
    raise AttributeError(name)
