"""`python manage.py verify_audit_log`: check the access log's hash chain; exit 1 if it is broken."""

from django.core.management.base import BaseCommand, CommandError

from audit.services import access_log_verify


class Command(BaseCommand):
    help = "Verify the access log's hash chain and report the first broken row."

    def handle(self, *args: object, **options: object) -> None:
        result = access_log_verify()
        if not result.ok:
            raise CommandError(
                f"Access log chain broken at row {result.first_broken_id}: {result.problem} "
                f"({result.rows_checked} rows before it are intact).",
                returncode=1,
            )
        self.stdout.write(self.style.SUCCESS(f"Access log chain intact: {result.rows_checked} rows."))
