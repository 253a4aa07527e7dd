"""The access matrix as this project promises it, written out by hand: every route, who
may call it, and whether a record of site A in it keeps site B's callers out.

A route the app serves that is not here, or here and not served, fails the walk; so
does a route whose own declaration says otherwise. Who:

    public  anybody
    staff   officer, leader, admin, auditor     worker  officer, leader, admin
    lead    leader, admin                        admin   admin
    audit   auditor, admin                       box     a registered box
    organ   an organ's token                     admin|provisioner

Scope: ``site`` - the request is about a record of site A: site B's officer and box
are refused (403); ``-`` - nothing site-bound in the request (lists are filtered to
the caller's site, tested on their own).
"""

from __future__ import annotations

MATRIX = """
POST /api/devices                                          admin|provisioner site
GET  /api/devices                                          staff   -
POST /api/devices/{name}/revoke                            admin|provisioner site
GET  /api/receptions                                       staff   -
GET  /api/receptions/{reception_id}                        staff   site
GET  /api/persons/{person_id}/timeline                     staff   site
GET  /api/persons                                          staff   -
GET  /api/persons/{person_id}/dossier                      staff   site
GET  /api/persons/{person_id}/duplicates                   worker  site
POST /api/persons/{person_id}/merge                        worker  site
POST /api/persons/merges/{merge_id}/undo                   worker  -
GET  /api/box/persons                                      box     -
GET  /api/box/persons/{person_id}/dossier                  box     site
GET  /api/box/matters/{matter_id}/receipt.pdf              box     site
POST /api/matters                                          worker  site
GET  /api/matters/steps/pending                            worker  -
GET  /api/matters/{matter_id}                              staff   site
POST /api/matters/{matter_id}/steps                        worker  site
POST /api/matters/{matter_id}/visits                       worker  site
POST /api/evidence/uploads                                 box     -
GET  /api/evidence/uploads/{upload_id}                     box     -
PUT  /api/evidence/uploads/{upload_id}                     box     -
POST /api/evidence/uploads/{upload_id}/finalize            box     -
GET  /api/evidence/checkpoint                              public  -
GET  /api/evidence/log-key                                 public  -
GET  /api/evidence/proofs/inclusion                        public  -
GET  /api/evidence/proofs/consistency                      public  -
GET  /api/evidence/receptions/{reception_id}               staff   site
GET  /api/evidence/blobs/{sha256}                          staff   site
GET  /api/evidence/blobs/{sha256}/playable                 staff   site
GET  /api/identity/consents                                staff   site
GET  /api/identity/deletions                               staff   site
GET  /api/identity/deletions/pending                       audit   -
POST /api/identity/transfers                               box     -
GET  /api/identity/transfers                               box     -
GET  /api/quarantine                                       audit   -
GET  /api/stats                                            staff   -
GET  /api/legal/search                                     public  -
GET  /api/legal/suggest                                    public  -
GET  /api/legal/articles/{article_id}                      public  -
GET  /api/legal/laws                                       public  -
GET  /api/legal/bundle                                     public  -
GET  /legal/                                               public  -
GET  /legal/articles/{article_id}                          public  -
GET  /console/legal                                        staff   -
GET  /console/legal/panel                                  staff   -
GET  /api/organ/matters                                    organ   -
GET  /api/organ/matters/{matter_id}                        organ   -
POST /api/organ/matters/{matter_id}/contributions          organ   -
POST /api/sharing/organs                                   admin   -
POST /api/sharing/organs/{organ_id}/tokens                 admin   -
POST /api/sharing/tokens/{token_id}/revoke                 admin   -
PUT  /api/sharing/organs/{organ_id}/rate                   admin   -
PUT  /api/sharing/tokens/{token_id}/rate                   admin   -
POST /api/sharing/matters/{matter_id}/shares               lead    site
GET  /api/sharing/matters/{matter_id}/contributions        staff   site
GET  /api/sharing/audit                                    audit   -
GET  /api/organ/tasks                                      organ   -
POST /api/organ/tasks/{task_id}/progress                   organ   -
POST /api/plans                                            lead    site
PUT  /api/plans/{plan_id}                                  lead    site
POST /api/plans/{plan_id}/send                             lead    site
POST /api/plans/tasks/{task_id}/progress                   worker  site
GET  /api/plans/by-matter/{matter_id}                      staff   site
GET  /console/plans/panel                                  staff   site
GET  /api/hearings/draws/{draw_id}/record                  public  -
POST /api/hearings/registry                                lead    -
GET  /api/hearings/registry                                worker  -
POST /api/hearings/registry/{person_id}/conflicts          lead    -
POST /api/hearings                                         worker  site
GET  /api/hearings/{hearing_id}/invite.ics                 worker  site
POST /api/hearings/{hearing_id}/draws                      worker  site
POST /api/hearings/draws/{draw_id}/reveal                  worker  site
POST /api/hearings/draws/{draw_id}/abandon                 worker  site
GET  /hearings/{hearing_id}                                public  -
POST /api/hearings/{hearing_id}/outcome                    worker  site
POST /api/hearings/{hearing_id}/cancel                     worker  site
GET  /api/hearings/by-matter/{matter_id}                   staff   site
GET  /console/hearings/                                    worker  -
GET  /console/hearings/registry                            worker  -
GET  /console/hearings/panel                               staff   site
GET  /console/hearings/matters/{matter_id}                 worker  site
GET  /console/hearings/{hearing_id}                        worker  site
POST /console/hearings/registry                            lead    -
POST /console/hearings/registry/{person_id}/conflicts      lead    -
POST /console/hearings/registry/{person_id}/active         lead    -
POST /console/hearings/schedule                            worker  site
POST /console/hearings/{hearing_id}/draws                  worker  site
POST /console/hearings/draws/{draw_id}/reveal              worker  site
POST /console/hearings/draws/{draw_id}/abandon             worker  site
POST /console/hearings/{hearing_id}/outcome                worker  site
POST /console/hearings/{hearing_id}/cancel                 worker  site
POST /api/similar                                          worker  -
GET  /api/matters/{matter_id}/similar                      worker  site
GET  /api/awareness/charts                                 staff   -
GET  /api/awareness/charts/{name}                          staff   -
GET  /api/awareness/kpis                                   staff   -
GET  /api/awareness/receptions                             staff   -
GET  /api/awareness/matters                                staff   -
GET  /api/awareness/persons/{person_id}/profile            staff   site
PUT  /api/awareness/matters/{matter_id}/tag                worker  site
GET  /api/awareness/alerts                                 staff   -
POST /api/awareness/alerts/run                             lead    -
POST /api/awareness/reports                                lead    -
GET  /api/awareness/reports                                staff   -
GET  /api/awareness/reports/{report_id}/{fmt}              staff   -
GET  /console/awareness/                                   staff   -
GET  /console/awareness/receptions                         staff   -
GET  /console/awareness/matters                            staff   -
GET  /console/awareness/persons/{person_id}                staff   site
GET  /console/awareness/alerts                             staff   -
GET  /console/awareness/reports                            staff   -
GET  /console/login                                        public  -
POST /console/login                                        public  -
POST /console/logout                                       staff   -
GET  /console/                                             staff   -
GET  /console/search                                       worker  -
GET  /console/work                                         worker  -
GET  /console/intake                                       worker  -
POST /console/intake                                       worker  -
GET  /console/import                                       admin   -
POST /console/import                                       admin   -
POST /console/import/run                                   admin   -
POST /console/import/mapping                               admin   -
GET  /console/import/template.csv                          admin   -
GET  /console/import/template.xlsx                         admin   -
GET  /console/matters/{matter_id}/attachments/{attachment_id} staff site
POST /console/matters/{matter_id}/documents                worker  site
GET  /console/matters/{matter_id}/documents/{document_id}  staff   site
GET  /console/persons/{person_id}/dossier.pdf              staff   site
GET  /console/documents/templates                          admin   -
POST /console/documents/templates                          admin   -
GET  /console/persons/{person_id}                          staff   site
POST /console/persons/{person_id}/merge                    worker  site
POST /console/merges/{merge_id}/undo                       worker  -
POST /console/receptions/{reception_id}/link               worker  site
GET  /console/receptions/{reception_id}                    staff   site
GET  /console/matters/{matter_id}                          staff   site
POST /console/matters/{matter_id}/steps                    worker  site
POST /console/matters/{matter_id}/plans                    lead    site
POST /console/matters/{matter_id}/plans/{plan_id}          lead    site
POST /console/matters/{matter_id}/plans/{plan_id}/send     lead    site
POST /console/matters/{matter_id}/plans/tasks/{task_id}/progress worker site
GET  /console/leader/supervision                           lead    -
POST /console/leader/supervise                             lead    -
GET  /console/leader/reviews                               lead    -
POST /console/leader/reviews/{reception_id}                lead    -
GET  /console/alerts                                       staff   -
POST /console/alerts/read                                  staff   -
GET  /console/alerts/stream                                staff   -
GET  /console/admin/accounts                               admin   -
POST /console/admin/accounts                               admin   -
GET  /console/admin/accounts/{account_id}                  admin   site
POST /console/admin/accounts/{account_id}                  admin   site
POST /console/admin/accounts/{account_id}/active           admin   site
POST /console/admin/accounts/{account_id}/password         admin   site
POST /console/admin/accounts/{account_id}/unlock           admin   site
GET  /console/admin/devices                                admin   -
POST /console/admin/devices                                admin   -
POST /console/admin/devices/{name}/revoke                  admin   site
GET  /console/admin/organs                                 admin   -
POST /console/admin/organs                                 admin   -
POST /console/admin/organs/{organ_id}/tokens               admin   -
POST /console/admin/tokens/{token_id}/revoke               admin   -
GET  /console/kpi                                          staff   -
GET  /console/audit                                        audit   -
GET  /progress                                             public  -
POST /progress                                             public  -
POST /api/progress                                         public  -
POST /api/box/progress                                     box     -
GET  /console/static                                       public  -
GET  /healthz                                              public  -
GET  /                                                     public  -
GET  /api/openapi.json                                     staff   -
"""

ROLES_OF = {
    "staff": ("officer", "leader", "admin", "auditor"),
    "worker": ("officer", "leader", "admin"),
    "lead": ("leader", "admin"),
    "admin": ("admin",),
    "audit": ("auditor", "admin"),
}


def rows() -> dict[tuple[str, str], tuple[str, str]]:
    out: dict[tuple[str, str], tuple[str, str]] = {}
    for line in MATRIX.strip().splitlines():
        method, path, who, scope = line.split()
        assert (method, path) not in out, f"twice in the matrix: {method} {path}"
        out[(method, path)] = (who, scope)
    return out


def describe(who: str) -> str:
    """The way ``Gate.describe`` says the same thing."""
    if who == "public":
        return "public"
    if who == "admin|provisioner":
        return "staff(admin) | provisioner"
    if who in ("box", "organ"):
        return who
    return f"staff({','.join(ROLES_OF[who])})"


def admits(who: str, principal: str) -> bool:
    if who == "public":
        return True
    role = principal.split("-")[0]
    if principal.startswith("box-"):
        return who == "box"
    if principal.startswith("organ-"):
        return who == "organ"
    if principal.startswith("provisioner-"):
        return who == "admin|provisioner"
    if principal == "anonymous":
        return False
    roles = ROLES_OF.get(who, ("admin",) if who == "admin|provisioner" else ())
    return role in roles
