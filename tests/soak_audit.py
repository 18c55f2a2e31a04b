"""The chaos soak's reckoning (tests/soak_chaos.py): what the clients were told against what the
service holds once the chaos is over, and the rules the soak checks.

* lost: a job id a client received that the service does not know;
* stuck: an acknowledged job that is not final once the service has had time to finish it;
* duplicated: more jobs on the service with one submission's tag than that one submission;
* kept unacknowledged: a job whose submission the client saw fail (the answer was lost with a
  killed emulator after its commit): it runs, but no client holds its id — counted, not a fault;
* the HTTP statuses every client attempt met: the documented 503 (the state cannot be written)
  apart from other 5xx, and 401 (an existing client logged out).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conftest import Rest
from jupyter_qsession.vocabulary import FINAL_JOB_STATUSES, SERVICE_JOB_STATUS, JobStatus

PAGE = 200


@dataclass
class Findings:
    plan_jobs: int = 0
    acknowledged: dict[str, str] = field(default_factory=dict)  # tag -> job id
    refused: Counter = field(default_factory=Counter)  # reason -> submissions
    statuses: Counter = field(default_factory=Counter)  # of acknowledged jobs, on the service
    failed: Counter = field(default_factory=Counter)  # reason -> failed jobs
    stuck: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    duplicated: int = 0
    kept_unacknowledged: int = 0
    wire: Counter = field(default_factory=Counter)  # HTTP status -> attempts
    errors: Counter = field(default_factory=Counter)  # clients' errors while waiting
    crashed: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    chaos_started: float = 0.0
    calm_rate: float = 0.0
    chaos_rate: float = 0.0

    @property
    def submitted(self) -> int:
        return len(self.acknowledged) + sum(self.refused.values())

    @property
    def other_5xx(self) -> int:
        return sum(n for status, n in self.wire.items() if status[0] == "5" and status != "503")

    def problems(self) -> list[str]:
        """The soak's rules that did not hold (empty: all held)."""
        found = [f"client crashed: {text}" for text in self.crashed]
        if self.submitted != self.plan_jobs:
            found.append(f"{self.submitted} of {self.plan_jobs} jobs submitted")
        if self.lost:
            found.append(f"{len(self.lost)} acknowledged jobs lost: {self.lost[:5]}")
        if self.stuck:
            found.append(f"{len(self.stuck)} jobs stuck: {self.stuck[:5]}")
        if self.duplicated:
            found.append(f"{self.duplicated} jobs duplicated")
        if self.other_5xx:
            found.append(f"{self.other_5xx} 5xx other than the documented 503: {self.wire}")
        if self.wire["401"]:
            found.append(f"{self.wire['401']} 401 for existing clients")
        return found

    def report(self) -> list[str]:
        s = self.statuses
        lines = [
            f"submitted {self.submitted}  acknowledged {len(self.acknowledged)}  "
            f"refused {sum(self.refused.values())}",
            f"DONE {s[JobStatus.DONE]}  failed {s[JobStatus.ERROR]}  "
            f"cancelled {s[JobStatus.CANCELLED]}  stuck {len(self.stuck)}  lost {len(self.lost)}  "
            f"duplicated {self.duplicated}  kept unacknowledged {self.kept_unacknowledged}",
            f"HTTP attempts: 503 (state cannot be written) {self.wire['503']}  "
            f"other 5xx {self.other_5xx}  401 {self.wire['401']}  "
            f"all {sum(self.wire.values())}",
        ]
        lines += [f"  failed x{n}: {why}" for why, n in self.failed.most_common()]
        lines += [f"  refused x{n}: {why}" for why, n in self.refused.most_common()]
        lines += [f"  client error x{n}: {why}" for why, n in self.errors.most_common(8)]
        lines += [f"  {text}" for text in self.crashed + self.notes]
        return lines


def audit(url: str, operator_key: str, workdir: Path, plan: Any, findings: Findings) -> None:
    """Fill ``findings`` from the clients' files and the service (as its operator, who sees
    every user's jobs), after giving the service ``plan.settle`` seconds to finish its jobs."""
    for path in sorted(workdir.glob("client-*.json")):
        seen = json.loads(path.read_text())
        if "crashed" in seen:
            findings.crashed.append(seen["crashed"].strip().splitlines()[-1])
            continue
        findings.acknowledged.update(seen["acked"])
        findings.refused.update(seen["refused"].values())
        findings.wire.update(seen["wire"])
        findings.errors.update(seen["errors"])
    rest = Rest(url, operator_key)
    deadline = time.monotonic() + plan.settle
    while _get(rest, "/jobs?pending=true&limit=1")["count"] and time.monotonic() < deadline:
        time.sleep(0.2)
    jobs = _all_jobs(rest)
    tags = Counter(tag for job in jobs.values() for tag in job["tags"] if tag.startswith("soak-"))
    findings.duplicated = sum(n - 1 for n in tags.values())
    findings.kept_unacknowledged = len(set(tags) - set(findings.acknowledged))
    for job_id in findings.acknowledged.values():
        job = jobs.get(job_id)
        if job is None and rest("GET", f"/jobs/{job_id}").status_code == 404:
            findings.lost.append(job_id)
            continue
        job = job or _get(rest, f"/jobs/{job_id}")
        status = SERVICE_JOB_STATUS.get(job["state"]["status"], JobStatus.UNKNOWN)
        findings.statuses[status] += 1
        if status not in FINAL_JOB_STATUSES:
            findings.stuck.append(job_id)
        if status == JobStatus.ERROR:
            findings.failed[job["state"].get("reason", "(no reason)")] += 1


def _get(rest: Rest, path: str) -> dict:
    answer = rest("GET", path)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _all_jobs(rest: Rest) -> dict[str, dict]:
    jobs: dict[str, dict] = {}
    offset = 0
    while True:
        page = _get(rest, f"/jobs?limit={PAGE}&offset={offset}&sort=ASC")
        jobs.update((job["id"], job) for job in page["jobs"])
        offset += PAGE
        if offset >= page["count"]:
            return jobs
