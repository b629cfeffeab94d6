"""Runs scim2-tester's check_server against a live Roster (SCIM_BASE, SCIM_TOKEN): every User
check, and every Group check but creation and deletion.

scim2-tester makes up its data; three things about Roster it cannot know are told to it here,
after discovery, and nothing else is changed:
- Roster only creates users whose address is on a verified domain of the organization (rule 2 of
  the product guide): the User model's userName gets example values on the demo organization's
  verified domain (SCIM_DOMAIN), which scim2-tester picks from.
- A group's members are the organization's users: members.value gets the demo members' ids as
  examples (made-up ids are refused with 400 invalidValue).
- Groups are the accounts' roles: they are neither created nor deleted over SCIM (refused with 403,
  shown by the API tests). Where a check would create a group to work on, it is given an existing
  one of the organization, emptied as a new one would be (or filled as the check asks; one whose
  emptying would take an account owner's last role, which Roster refuses, is passed by); its
  cleanup's delete is refused.
Exits non-zero on any result worse than ACCEPTABLE, except the one mistake of the checker listed in
`checker_mistake`.
"""

import os
import sys
import uuid

from httpx2 import Client
from scim2_client.engines.httpx2 import SyncSCIMClient
import scim2_tester.utils as tester_utils
from scim2_client import SCIMClientException
from scim2_models import Mutability, Path, SCIMException
from scim2_tester import Status, check_server
from scim2_tester.filling import fill_with_random_values

GOOD = {Status.SUCCESS, Status.COMPLIANT, Status.ACCEPTABLE, Status.SKIPPED}
ROSTER_EXTENSION = "urn:roster:params:scim:schemas:extension:roster:2.0:User"
PATCH_CHECKS = {"check_add_attribute", "check_remove_attribute", "check_replace_attribute"}


def checker_mistake(result) -> bool:
    """scim2-tester's PATCH checks add, replace and remove every schema extension as if it were
    writable. Every attribute of Roster's extension is read-only (the organization role changes in
    the console, account access through Groups), and RFC 7644 §3.5.2 requires an operation on a
    read-only attribute to be refused with 400 mutability, which Roster does (the API test
    `patching_the_read_only_extension_is_refused_as_rfc_7644_requires` shows it). Only that
    refusal, of exactly those checks, is accepted here.
    """
    data = result.data if isinstance(result.data, dict) else {}
    return (
        result.status == Status.ERROR
        and result.title in PATCH_CHECKS
        and data.get("urn") == ROSTER_EXTENSION
        and type(data.get("error")).__name__ == "MutabilityException"
    )



def main() -> int:
    base = os.environ["SCIM_BASE"]
    token = os.environ["SCIM_TOKEN"]
    domain = os.environ.get("SCIM_DOMAIN", "northwind.example")
    client = SyncSCIMClient(
        Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    )
    client.discover()
    user = client.get_resource_model("User")
    if user is None:
        print("the server publishes no User resource type", file=sys.stderr)
        return 1
    user.model_fields["user_name"].examples = [
        f"scim-{uuid.uuid4().hex[:16]}@{domain}" for _ in range(5000)
    ]
    group = client.get_resource_model("Group")
    if group is None:
        print("the server publishes no Group resource type", file=sys.stderr)
        return 1
    http = client.client
    members = http.get(
        "/Users",
        params={"count": 200, "attributes": "id", "filter": 'organizationRole eq "member"'},
    ).json()["Resources"]
    value = Path[group]("members.value").resolve()
    value.target_model.model_fields[value.target_field_name].examples = [m["id"] for m in members]
    existing = [
        g["id"]
        for g in http.get("/Groups", params={"count": 200, "excludedAttributes": "members"}).json()[
            "Resources"
        ]
    ]
    make = tester_utils.ResourceManager.create_and_register

    def create_and_register(manager, model, fill_all=False):
        if model.__name__ != "Group":
            return make(manager, model, fill_all)
        # A new group would have its required attributes only: no members, no externalId. A group
        # whose emptying Roster refuses (it would take an account owner's last role) is passed by.
        while existing:
            found = manager.context.client.query(model, existing.pop(0))
            found.members = None
            found.external_id = None
            if fill_all:
                writable = [Mutability.read_write, Mutability.write_only, Mutability.immutable]
                fill_with_random_values(manager.context, found, mutability=writable)
            try:
                return manager.context.client.replace(found)
            except (SCIMClientException, SCIMException) as refusal:
                if "owner of an account keeps a role" not in str(refusal):
                    raise
        raise ValueError("no group of the organization is left to stand for a new one")

    tester_utils.ResourceManager.create_and_register = create_and_register
    results = check_server(client, resource_types=["User"])
    results += check_server(
        client, resource_types=["Group"], exclude_tags={"crud:create", "crud:delete"}
    )
    bad = [r for r in results if r.status not in GOOD and not checker_mistake(r)]
    for result in results:
        if result.status in GOOD:
            mark = "  "
        elif checker_mistake(result):
            mark = "ok"
        else:
            mark = "!!"
        line = f"{mark} {result.status.name:<10} {result.resource_type or '-':<6} {result.title}"
        if result.reason and result.status not in GOOD:
            line += f": {result.reason}"
        if checker_mistake(result):
            line += " (the checker's mistake: see checker_mistake)"
        print(line)
        if result in bad and result.data is not None:
            print(f"      data: {str(result.data)[:600]}")
    counts = {}
    for result in results:
        counts[result.status.name] = counts.get(result.status.name, 0) + 1
    print(f"scim2-tester: {len(results)} checks, {counts}; failures: {len(bad)}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
