from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from compliance import scanner
from compliance.models import JobState, Scan, ScanSite
from compliance.scanner import report


def run_here(site):
    """Scan `site` in this process, once (the command waits for the result; no queue, no
    retry), keeping the scan's record as a task would."""
    scan = Scan.objects.create(
        site=site, state=JobState.RUNNING, attempts=1, started_at=timezone.now()
    )
    try:
        scanner.run(scan)
    except Exception as error:  # reported on the scan and by the command, as a task would
        scan.state, scan.error = JobState.FAILED, str(error) or type(error).__name__
    else:
        scan.state = JobState.DONE
    scan.finished_at = timezone.now()
    scan.save(update_fields=["state", "error", "finished_at"])
    scan.refresh_from_db()
    return scan


class Command(BaseCommand):
    help = (
        "Scan a registered site (or every one) in a real browser now and print what differs "
        "from the register. Exits with 1 when a scan finds a consent violation or fails."
    )

    def add_arguments(self, parser):
        parser.add_argument("site", nargs="?", help="The site's name (default: every site).")

    def handle(self, *args, site, **options):
        sites = ScanSite.objects.all()
        if site:
            sites = sites.filter(name=site)
            if not sites:
                names = ", ".join(ScanSite.objects.values_list("name", flat=True)) or "—"
                raise CommandError(
                    _("No scanned site is named %(name)r. Sites: %(names)s")
                    % {"name": site, "names": names}
                )
        serious = False
        for scanned in sites:
            self.stdout.write(_("Scanning %(site)s…") % {"site": scanned.name})
            scan = run_here(scanned)
            if scan.state != JobState.DONE:
                self.stderr.write(
                    _("%(site)s: failed: %(error)s") % {"site": scanned.name, "error": scan.error}
                )
                serious = True
                continue
            findings = report.build(scan)
            visits = ngettext("%(count)d page visit", "%(count)d page visits", scan.pages_done) % {
                "count": scan.pages_done
            }
            found = ngettext("%(count)d finding", "%(count)d findings", len(findings)) % {
                "count": len(findings)
            }
            self.stdout.write(
                _("%(site)s: %(visits)s, %(findings)s")
                % {"site": scanned.name, "visits": visits, "findings": found}
            )
            for finding in findings:
                serious = serious or finding.severity == "violation"
                where = f" ({finding.domain})" if finding.domain else ""
                where += f" [{finding.kind_label}]"
                self.stdout.write(
                    f"  [{finding.severity}] {report.FindingKind.TITLES[finding.kind]}: "
                    f"{finding.name}{where} {finding.detail}".rstrip()
                )
        if serious:
            raise SystemExit(1)
