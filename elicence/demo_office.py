"""The office `scripts/demo --hsm` runs at CN-31-DMV: named operators, four-eyes approval
and the audit trail, shown with the same commands an agency's staff type.

- chen, the key-officer (and auditor), adds the others and sets the approval policy:
  issuance files over 500 rows, and key and operator changes, wait for a second operator;
- li, a clerk, prepares the big issuance: it is held as a request (exit status 75);
- zhang, an approver, reads the request and approves it, which runs it;
- li then revokes, suspends and replaces a few licences (under the policy's thresholds);
- chen reads the audit log (who did what, on whose approval) and verifies it against the
  heads anchored on chain.

Each operator's passphrase is a random one kept in `<home>/operator-passphrases/NAME`
(0600), as each clerk would keep their own; nothing personal is printed."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

import click

from chain.config import load_settings
from chain.private_files import private_folder, write_private
from elicence.sandbox import Runner, command_runner

OFFICE = "CN-31-DMV"
OFFICER, CLERK, APPROVER = "chen", "li", "zhang"
OPERATORS = ((OFFICER, ("key-officer", "auditor")), (CLERK, ("clerk",)),
             (APPROVER, ("approver",)))
ISSUE_ROWS_OVER = 500  # the demo's 1,000-row file is over it: held for approval


@dataclass(frozen=True)
class Office:
    home: Path
    clerk: str = CLERK

    def passphrase_file(self, name: str) -> Path:
        folder = self.home / "operator-passphrases"
        private_folder(folder)
        path = folder / name
        if not path.exists():
            write_private(path, secrets.token_urlsafe(24) + "\n")
        return path

    def runner(self, name: str) -> Runner:
        """Runs `elicence` commands as operator `name` (ELICENCE_OPERATOR and their own
        passphrase file, as their shell would set them)."""
        run = command_runner({"ELICENCE_OPERATOR": name,
                              "ELICENCE_OPERATOR_PASSPHRASE_FILE":
                                  str(self.passphrase_file(name))}, echo=True)

        def as_operator(*args: str) -> None:
            click.secho(f"# as {name} ({_roles(name)})", fg="cyan", err=True)
            run(*args)

        return as_operator

    def set_up(self) -> None:
        """Adds the three operators and the approval policy, once."""
        from issuer.operators import list_operators

        known = {op.name for op in list_operators(self._store(), OFFICE)}
        officer = self.runner(OFFICER)
        for name, roles in OPERATORS:
            if name not in known:
                officer("operator", "add", name, "--authority", OFFICE,
                        *[a for r in roles for a in ("--role", r)],
                        "--passphrase-file", str(self.passphrase_file(name)))
        from issuer.requests import policy_for

        if policy_for(self._store(), OFFICE).issue_rows_over is None:
            officer("requests", "policy", "--authority", OFFICE,
                    "--issue-rows-over", str(ISSUE_ROWS_OVER), "--key-changes")

    def issue_with_approval(self, *args: str) -> dict:
        """The clerk's issuance, held by the policy, approved (and so run) by the approver.
        Returns what the ready block says about it."""
        from issuer.requests import APPROVED, DONE, PENDING, RUNNING

        request = self._latest_issue_request()
        if request is None or request.state not in (PENDING, APPROVED, RUNNING):
            self.runner(CLERK)("issue", "--authority", OFFICE, *args)
            request = self._latest_issue_request()
            if request is None or request.state != PENDING:
                raise click.ClickException("The demo's issuance was not held for approval: "
                                           "see the messages above.")
        approver = self.runner(APPROVER)
        if request.state == PENDING:
            click.echo(f"\n{CLERK} (clerk) asked to {request.summary['text']} That is over "
                       f"the office's limit of {ISSUE_ROWS_OVER} rows, so it waits for a "
                       f"second operator: {APPROVER} (approver) reads request {request.id} "
                       "and approves it, which runs it.\n", err=True)
            approver("requests", "show", str(request.id), "--authority", OFFICE)
            approver("requests", "approve", str(request.id), "--authority", OFFICE)
        else:  # a run an earlier demo began: it resumes, nothing is issued twice
            approver("requests", "run", str(request.id), "--authority", OFFICE)
        request = self._latest_issue_request()
        if request is None or request.state != DONE:
            raise click.ClickException("The approved issuance did not finish: see the "
                                       "messages above, then run scripts/demo --hsm again.")
        return {"request": request.id, "requested_by": request.requested_by,
                "approved_by": request.decided_by, "count": request.summary["count"]}

    def last_approval(self) -> dict | None:
        from issuer.requests import DONE

        request = self._latest_issue_request()
        if request is None or request.state != DONE:
            return None
        return {"request": request.id, "requested_by": request.requested_by,
                "approved_by": request.decided_by, "count": request.summary["count"]}

    def show_audit(self) -> None:
        """The auditor's view: the log, then its check against the chain."""
        auditor = self.runner(OFFICER)
        click.echo(f"\n{OFFICER} (auditor) reads {OFFICE}'s audit log: who did what, on whose "
                   "approval, and checks it against the heads anchored on chain.\n", err=True)
        auditor("audit", "show", "--authority", OFFICE)
        auditor("audit", "verify", "--authority", OFFICE)

    def facts(self) -> dict:
        return {"authority": OFFICE,
                "operators": [{"name": n, "roles": list(r)} for n, r in OPERATORS],
                "approval": self.last_approval(),
                "auditor": OFFICER,
                "auditor_passphrase_file": str(self.passphrase_file(OFFICER))}

    def _latest_issue_request(self):
        from issuer.requests import list_requests

        held = [r for r in list_requests(self._store(), OFFICE) if r.action == "issue"]
        return held[-1] if held else None

    def _store(self):
        from issuer.store import Store

        return Store.open(load_settings(self.home).store_url)


def _roles(name: str) -> str:
    return ", ".join(dict(OPERATORS)[name])


def office_lines(facts: dict) -> list[str]:
    """The ready block's lines about the office (scripts/demo --hsm)."""
    if not facts:
        return []
    people = ", ".join(f"{o['name']} ({', '.join(o['roles'])})" for o in facts["operators"])
    lines = [f"  operators       {facts['authority']}: {people}"]
    approval = facts.get("approval")
    if approval:
        lines.append(f"  four eyes       request {approval['request']}: {approval['count']:,} "
                     f"licences prepared by {approval['requested_by']}, approved by "
                     f"{approval['approved_by']}")
    lines.append(f"  audit trail     ELICENCE_OPERATOR_PASSPHRASE_FILE="
                 f"{facts['auditor_passphrase_file']} .venv/bin/elicence audit show "
                 f"--authority {facts['authority']} --as {facts['auditor']}")
    return lines
