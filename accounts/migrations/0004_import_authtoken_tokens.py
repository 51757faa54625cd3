"""The tokens of ``rest_framework.authtoken`` (stored in clear, never expiring) become hashed
``ApiToken`` rows named "API client (before expiry)" that expire ``API_TOKEN_TTL`` after this
migration, so clients keep working until then; the clear keys are then deleted. The app is no
longer installed: its emptied table ``authtoken_token`` stays behind and may be dropped."""

import hashlib

from django.conf import settings
from django.db import migrations
from django.utils import timezone

OLD_TABLE = "authtoken_token"
NAME = "API client (before expiry)"


def import_old_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if OLD_TABLE not in connection.introspection.table_names():
        return
    ApiToken = apps.get_model("accounts", "ApiToken")
    now = timezone.now()
    quoted = schema_editor.quote_name(OLD_TABLE)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT key, user_id, created FROM {quoted}")  # noqa: S608 (a constant name)
        rows = cursor.fetchall()
    ApiToken.objects.bulk_create(
        ApiToken(
            user_id=user_id,
            name=NAME,
            key_hash=hashlib.sha256(key.encode()).hexdigest(),
            prefix=key[:8],
            created_at=created or now,
            expires_at=now + settings.API_TOKEN_TTL,
        )
        for key, user_id, created in rows
    )
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {quoted}")  # noqa: S608


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_api_tokens_calendar_links")]

    operations = [migrations.RunPython(import_old_tokens, migrations.RunPython.noop)]
