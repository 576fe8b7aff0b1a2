"""The demo's data: people, services, and what incidents of each category look like.

Plain data and the small types that read it; ``incidents.demo`` draws the demo
incidents from it and writes them through the services.
"""

from __future__ import annotations

import importlib
import random
from dataclasses import dataclass

from incidents.choices import IncidentAction as Act
from incidents.choices import IncidentStatus as St
from portal import roles

SEED = 20261127
DEMO_PASSWORD = "demo"
# The default severities, categories and incident roles are defined by this migration; reuse its tables.
DEFAULTS = importlib.import_module("incidents.migrations.0002_defaults_and_roles")

# username, first name, last name, role (group)
ROLE_USERS = [
    ("admin", "Alex", "Morgan", roles.ADMINISTRATOR),
    ("compliance", "Claire", "Dubois", roles.COMPLIANCE_OFFICER),
    ("responder", "Ravi", "Patel", roles.INCIDENT_RESPONDER),
    ("author", "Anna", "Kowalski", roles.POSTMORTEM_AUTHOR),
    ("auditor", "Oliver", "Schmidt", roles.AUDITOR),
]
MORE_USERS = [
    ("sofia.rossi", "Sofia", "Rossi", roles.INCIDENT_RESPONDER),
    ("james.okafor", "James", "Okafor", roles.INCIDENT_RESPONDER),
    ("mei.chen", "Mei", "Chen", roles.INCIDENT_RESPONDER),
    ("lukas.becker", "Lukas", "Becker", roles.INCIDENT_RESPONDER),
    ("priya.nair", "Priya", "Nair", roles.INCIDENT_RESPONDER),
    ("daniel.novak", "Daniel", "Novak", roles.POSTMORTEM_AUTHOR),
    ("ingrid.larsen", "Ingrid", "Larsen", roles.POSTMORTEM_AUTHOR),
]
RESPONDERS = ["responder", "sofia.rossi", "james.okafor", "mei.chen", "lukas.becker", "priya.nair"]
WRITERS = ["author", "daniel.novak", "ingrid.larsen", "priya.nair"]

# key: name, owner, tier (1 = business critical), description
SERVICES = {
    "portal": ("Customer portal", "Digital Channels", 1, "Web self-service for retail customers."),
    "payments": ("Payments API", "Payments Platform", 1, "Card and SEPA payment initiation."),
    "ledger": ("Core banking ledger", "Core Banking", 1, "System of record for accounts and postings."),
    "mobile": ("Mobile app backend", "Digital Channels", 1, "APIs behind the iOS and Android apps."),
    "sso": ("Identity provider (SSO)", "Identity & Access", 1, "Single sign-on and MFA for all users."),
    "email": ("Email gateway", "Workplace IT", 2, "Inbound and outbound mail filtering and relay."),
    "dwh": ("Data warehouse", "Data & Analytics", 3, "Reporting and analytics over nightly extracts."),
    "ehr": ("Patient records (EHR)", "Clinical Systems", 1, "Health records of the clinics subsidiary."),
    "claims": ("Claims processing", "Insurance Operations", 2, "Intake and adjudication of claims."),
    "cdn": ("CDN / edge", "Site Reliability", 2, "Content delivery, TLS termination and the WAF."),
    "hr": ("Internal HR system", "People Operations", 3, "Employee records, payroll inputs and leave."),
    "docs": ("Document storage", "Workplace IT", 3, "Shared drives and document management."),
}


# category: how many, SEV1-SEV4 weights, likely services, minutes it started before detection, chance that
# awareness (a regulatory clock) is recorded, chance that it is restricted, pace of containment and resolution
SHAPES: dict[str, tuple[int, tuple[int, ...], str, tuple[int, int], float, float, float]] = {
    "system-outage": (12, (2, 4, 5, 3), "portal payments ledger mobile claims dwh ehr", (1, 30), 0, 0, 1),
    "third-party-outage": (7, (1, 3, 4, 2), "payments mobile sso cdn email portal", (2, 60), 0, 0, 1),
    "phishing": (7, (0, 3, 6, 3), "email sso portal", (10, 2880), 0.4, 0, 1),
    "data-breach": (6, (3, 4, 2, 0), "portal ledger ehr claims dwh docs", (360, 28800), 1, 0.4, 2),
    "ddos": (5, (2, 4, 3, 1), "cdn portal payments mobile", (1, 20), 0, 0, 1),
    "misconfiguration": (5, (1, 3, 4, 2), "cdn dwh docs portal mobile", (30, 4320), 0.5, 0, 1),
    "unauthorised-access": (4, (2, 4, 3, 1), "sso portal mobile payments ehr", (30, 10080), 1, 0.25, 1),
    "malware": (4, (0, 3, 5, 2), "docs dwh mobile email", (60, 7200), 0.5, 0.1, 1),
    "lost-device": (4, (0, 0, 4, 6), "docs email hr ehr", (60, 2880), 1, 0.1, 1),
    "ransomware": (2, (6, 2, 0, 0), "docs hr claims ehr dwh", (720, 14400), 1, 0.5, 5),
    "insider-threat": (2, (1, 3, 2, 0), "ledger ehr claims hr dwh", (1440, 43200), 1, 1, 4),
    "natural-disaster": (2, (1, 2, 2, 1), "ledger payments docs hr", (30, 360), 0, 0, 3),
}
# The texts of each category; {service} and {count} are filled in. Notes are in the order they would happen.
STORY_TEXTS = """
[common]
acknowledge: Paged on-call; bridge open.
acknowledge: Acknowledged; investigating.
acknowledge: Responders assembled on the bridge.
close: Closed after the post-incident review.
close: Closed; action items tracked in the post-mortem.
close: Closed: customers informed and follow-ups scheduled.
reopen: The problem came back after the fix; reopening.
contain-again: Contained again: the faulty fix was rolled back.
decline: Duplicate of an incident that is already being handled.
triage: Triage: checking the monitoring and the recent changes.
triage: Reporter contacted for more details.
triage: No matching alerts in the SIEM or the application logs.
exercise: Inject 1 delivered: the first alerts reach the service desk.
exercise: Inject 2: the scenario escalates; leadership asks for an impact estimate.
exercise: Decision log: crisis team convened after 20 minutes.
exercise: Gap found: the regulator contact list was out of date.
exercise: Hot debrief held; lessons learned recorded.
exercise-step: Scenario objectives for this phase met.

[system-outage]
title: {service} unavailable after a failed deployment
title: Database failover left {service} read-only
title: Elevated error rates on {service}
title: Expired TLS certificate broke {service}
title: Disk full on the primary node of {service}
title: Memory leak causing restarts of {service}
summary: Health checks of {service} failing; customers see errors and timeouts. On-call confirmed it.
impact: {service} unavailable or degraded; about {count} customer requests failed.
note: Rolled back to the previous release.
note: Status page updated with the current impact.
note: Database failover completed; replication lag back to zero.
note: Customer support briefed with a holding statement.
note: Root cause identified: connection pool exhausted by a slow query.
contain: Traffic shifted to healthy nodes; error rate falling.
resolve: Fix deployed; service stable for an hour.
decline: False positive: the monitoring probe itself was failing; no customer impact.

[third-party-outage]
title: Cloud provider region outage affecting {service}
title: Payment processor outage hitting {service}
title: SMS provider failure blocks one-time passwords for {service}
title: DNS provider incident degrading {service}
summary: A supplier reported a disruption affecting {service}; our monitoring confirms failing calls.
impact: {service} partly unavailable while the supplier recovers; no data at risk.
note: Support case opened with the vendor at the highest priority.
note: Vendor confirmed root cause in their status page.
note: Failover to the secondary provider started.
note: Customer communication published on the status page.
contain: Traffic routed to the secondary provider where possible.
resolve: Vendor resolved the issue; all calls succeed again.

[phishing]
title: Credential phishing campaign targeting {service} users
title: Staff credentials entered on a fake {service} login page
title: Invoice fraud email impersonating the CFO
title: Phishing emails slipped past the {service} filters
summary: Staff reported an email imitating {service}; proxy logs show dozens of clicks and some logins.
impact: Accounts of the staff who clicked are potentially compromised; no confirmed misuse yet.
note: Malicious domain blocked at the DNS resolver and the web proxy.
note: Phishing email purged from all mailboxes.
note: Passwords reset and sessions revoked for everyone who clicked.
note: MFA logs checked: no successful sign-in from the attacker infrastructure.
note: Takedown request sent to the hosting provider of the phishing site.
contain: Sender domain blocked and the message purged from mailboxes.
resolve: Affected accounts reset; no misuse found in the sign-in logs.
decline: The reported email was a legitimate supplier notice, not phishing.

[data-breach]
title: Customer records exposed through the {service} export endpoint
title: Personal data sent to the wrong recipients from {service}
title: Bulk download of records from {service} by a compromised account
title: Unencrypted backup of {service} found in a public storage bucket
summary: Unusual data access on {service}: about {count} records with names and contact details exposed.
impact: Up to {count} data subjects affected; names, emails and account numbers disclosed. Notify likely.
note: DPO informed; the compliance liaison joined the bridge.
note: Access logs for the last 30 days exported and preserved as evidence.
note: Exposed endpoint disabled and API keys rotated.
note: Legal confirmed data subjects in Germany, France and Ireland.
note: Draft customer notification reviewed by communications.
contain: Access revoked and the exposed resource taken offline.
resolve: Scope confirmed from the logs; affected data subjects listed.

[ddos]
title: DDoS attack against {service}
title: Layer 7 flood degrading {service}
title: Volumetric attack on {service} after an extortion email
summary: Botnet traffic to {service} peaked at about {count} requests per second; latency up, errors up.
impact: {service} degraded or unavailable for part of the customers during the attack.
note: Blocked the attacker IP ranges at the WAF.
note: Scrubbing service at the upstream provider activated.
note: Rate limits tightened on the login and search endpoints.
note: Status page updated: degraded performance.
note: Traffic back at baseline for 30 minutes.
contain: Scrubbing and WAF rules absorb the attack; error rate under 1%.
resolve: Attack ended; temporary rules replaced by permanent rate limits.
decline: The traffic spike was the load test announced in the change calendar.

[misconfiguration]
title: Storage bucket of {service} publicly readable
title: Firewall change exposed the {service} admin interface
title: Wrong retention policy deleted {service} logs
title: Feature flag showed other customers' data in {service}
summary: A routine check found a configuration change on {service} with unintended effects.
impact: {service} exposed or degraded until the configuration was corrected.
note: Change traced to a deployment of the previous days.
note: Configuration reverted through the change pipeline.
note: Access logs reviewed for the exposure window.
note: Change advisory board informed.
contain: Configuration reverted; exposure closed.
resolve: Infrastructure-as-code check added to block the same change.

[unauthorised-access]
title: Unauthorised admin login to {service}
title: API token leaked in a public repository gave access to {service}
title: Credential stuffing against {service} accounts
title: Former employee's account still active on {service}
summary: Sign-ins to {service} from an unknown location with valid credentials; {count} records at risk.
impact: Confidentiality of {count} records possibly affected; no changes to data found so far.
note: Impossible-travel alert confirmed by the SOC.
note: Leaked credentials revoked; owner of the repository contacted.
note: Affected customer accounts locked with a forced password reset.
note: Audit logs show read-only access.
note: MFA enforced for the remaining admin accounts.
contain: Credentials revoked and the source addresses blocked.
resolve: Access path closed; review of the accessed records complete.
decline: The sign-ins came from a colleague travelling abroad; confirmed with the user.

[malware]
title: Malware detected on workstations using {service}
title: Infostealer on a developer laptop with {service} credentials
title: Cryptominer found on the {service} build server
summary: Endpoint protection detected malware on machines with access to {service}; sample in sandbox.
impact: Affected machines out of service; credentials stored on them treated as compromised.
note: Infected hosts isolated by EDR.
note: Indicators of compromise shared with the SOC provider.
note: Credentials stored on the hosts rotated.
note: Sandbox analysis: commodity malware, no lateral movement observed.
contain: Infected hosts isolated; command-and-control domains blocked.
resolve: Hosts reimaged from the golden image; no detections for 72 hours.

[lost-device]
title: Laptop stolen from an employee's car
title: Phone with {service} access lost while travelling
title: Unencrypted USB stick lost in transit
title: Tablet left on a train
summary: An employee reported losing a device used for {service}; its last check-in was shortly before.
impact: Possible access to cached email and documents; encryption status being confirmed.
note: Remote wipe command sent through device management.
note: Full-disk encryption confirmed on the device.
note: User sessions and tokens revoked.
note: Police report number recorded.
contain: Device wiped remotely and all sessions revoked.
resolve: Encryption confirmed; no evidence of data access.
decline: The device was found in the office; encryption confirmed, nothing exposed.

[ransomware]
title: Ransomware encrypted file shares used by {service}
title: Ransom note found on servers hosting {service}
summary: Mass file encryption on hosts supporting {service}; the ransom note claims {count} files copied.
impact: {service} unavailable; staff work on manual procedures. Exfiltration under investigation.
note: Affected hosts isolated from the network by EDR.
note: Cyber insurer and external forensics engaged.
note: Backups verified clean from the day before the encryption started.
note: Decision recorded: no ransom payment, as the board policy requires.
note: Police report filed with the national cybercrime unit.
contain: All affected hosts isolated; domain admin credentials reset.
resolve: Systems restored from immutable backups and monitored for 48 hours.

[insider-threat]
title: Employee downloaded customer lists before resigning
title: Contractor browsed {service} records without a business need
title: Privileged account misuse on {service}
summary: Data loss prevention flagged an employee exporting {count} records of {service} to a home PC.
impact: {count} records of personal data copied outside the organisation; misuse not confirmed.
note: HR and legal involved before any contact with the employee.
note: Account disabled in coordination with HR.
note: Legal hold placed on the mailbox and devices.
note: Employee returned the data and signed a deletion statement.
contain: Access revoked and devices collected.
resolve: Investigation complete; findings handed to HR and legal.

[natural-disaster]
title: Flooding at the primary data centre site
title: Storm cut power to the {service} operations office
title: Heatwave overwhelmed the server room cooling
summary: Severe weather hit one of our sites; the critical workloads of {service} moved to the backup site.
impact: Reduced capacity for {service}; staff at the site working remotely.
note: Business continuity plan invoked.
note: Generators running; fuel for 36 hours confirmed.
note: Workloads failed over to the secondary data centre.
note: All staff at the site accounted for.
contain: Critical workloads running from the secondary site.
resolve: Primary site back in service after inspection.
"""


@dataclass(frozen=True)
class Story:
    """What incidents of one category look like (see SHAPES and STORY_TEXTS)."""

    count: int
    severity_weights: tuple[int, ...]
    services: list[str]
    occurred_minutes: tuple[int, int]
    aware: float
    restricted: float
    pace: float
    texts: dict[str, list[str]]  # the category's own texts, then the common ones

    def text(self, rng: random.Random, kind: str) -> str:
        return rng.choice(self.texts[kind])


def _stories() -> dict[str, Story]:
    texts: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    for line in filter(None, STORY_TEXTS.splitlines()):
        if line.startswith("["):
            current = texts.setdefault(line.strip("[]"), {})
        else:
            kind, _, text = line.partition(": ")
            current.setdefault(kind, []).append(text)
    return {
        slug: Story(
            count, weights, services.split(), occurred, aware, restricted, pace, texts["common"] | texts[slug]
        )
        for slug, (count, weights, services, occurred, aware, restricted, pace) in SHAPES.items()
    }


STORIES = _stories()
# title, category, severity rank, services
EXERCISES: list[tuple[str, str, int, str]] = [
    ("Tabletop: ransomware encrypts the core banking ledger", "ransomware", 1, "ledger"),
    ("Exercise: failover of the Payments API to the secondary region", "system-outage", 2, "payments"),
    ("Tabletop: patient data breach and the 72-hour notification", "data-breach", 1, "ehr"),
    ("Exercise: phishing simulation for finance staff", "phishing", 3, "email"),
    ("Tabletop: flood takes the primary data centre offline", "natural-disaster", 2, "ledger docs"),
]
# Minutes each step takes after the previous one, for severity ranks 1-4.
STEP_MINUTES: dict[str, tuple[tuple[int, int], ...]] = {
    Act.ACKNOWLEDGE: ((2, 14), (5, 40), (15, 150), (45, 600)),
    Act.CONTAIN: ((20, 150), (40, 360), (120, 1440), (240, 4320)),
    Act.RESOLVE: ((30, 240), (60, 600), (240, 2880), (720, 7200)),
    Act.CLOSE: ((2880, 20160),) * 4,
    Act.DECLINE: ((10, 180),) * 4,
    Act.REOPEN: ((60, 4320),) * 4,
}
PATHS: dict[str, list[str]] = {
    St.REPORTED: [],
    St.ACKNOWLEDGED: [Act.ACKNOWLEDGE],
    St.CONTAINED: [Act.ACKNOWLEDGE, Act.CONTAIN],
    St.RESOLVED: [Act.ACKNOWLEDGE, Act.CONTAIN, Act.RESOLVE],
    St.CLOSED: [Act.ACKNOWLEDGE, Act.CONTAIN, Act.RESOLVE, Act.CLOSE],
}
# (how many, from, to days ago): the newest incidents first
AGE_BUCKETS = [(4, 0.01, 0.5), (6, 0.5, 5), (6, 5, 14), (8, 14, 40), (999, 40, 362)]
# The statuses of the newest incidents, newest first; the older ones are mostly closed.
RECENT_STATUSES = [St.REPORTED, St.REPORTED, St.ACKNOWLEDGED, St.REPORTED, St.ACKNOWLEDGED, St.CONTAINED]
RECENT_STATUSES += [St.ACKNOWLEDGED, St.CONTAINED, St.DECLINED, St.RESOLVED, St.CONTAINED, St.RESOLVED]
RECENT_STATUSES += [St.CLOSED, St.RESOLVED, St.DECLINED, St.CLOSED]
# (older than N days: weights of reported, acknowledged, contained, resolved, closed)
OLDER_STATUSES = [(40, (0, 0, 0, 0.4, 9.6)), (0, (0, 0, 0.2, 2, 5))]
