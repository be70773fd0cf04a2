"""The demo's installed base: equipment with parts and maker's warranties (some expired), a
contract for each Gold account, maintenance plans, and tickets linked with the coverage the
services would have found; loading again adds nothing for accounts that have equipment."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from clientela.customers.services import account_create
from clientela.customers.services.tags import tag_objects, tags_add
from clientela.service import services
from clientela.service.demo_assets import add_demo_assets
from clientela.service.models import Queue, Ticket
from clientela.service.models_assets import Asset, MaintenancePlan, ServiceContract, Warranty


def test_the_demo_installed_base(make_user, make_team):
    team = make_team("Field")
    agent = make_user("service-agent", teams=[team])
    queue = Queue.objects.create(name="Support", lead=agent, team=team)
    accounts = [
        account_create(actor=agent, values={"name": f"Cliente {n}", "team": team}) for n in range(8)
    ]
    gold = tag_objects(["Gold"])[0]
    tags_add(actor=agent, records=accounts[:3], names=["Gold"])
    for account in accounts:
        for n in range(3):
            services.ticket_create(
                actor=agent, values={"subject": f"T{n}", "queue": queue.pk, "account": account.pk}
            )
    ids = [a.pk for a in accounts]
    made = add_demo_assets(ids, 3, gold=gold, policy=None, queue=queue)
    assert made == Asset.objects.count() >= 8
    assert Asset.objects.filter(parent__isnull=False).exists() or made < 16
    assert {a.account.team_id for a in Asset.objects.select_related("account")} == {team.pk}
    today = timezone.localdate()
    ends = list(Warranty.objects.values_list("ends_on", flat=True))
    assert any(e < today for e in ends) and any(e >= today for e in ends)
    assert ServiceContract.objects.count() == 3
    assert MaintenancePlan.objects.count() == 3
    linked = Ticket.objects.filter(asset__isnull=False)
    assert linked.exists()
    for ticket in linked.select_related("asset"):
        assert ticket.asset.account_id == ticket.account_id
        assert ticket.coverage in ("warranty", "contract", "none")
        assert (ticket.contract_id is not None) == (ticket.coverage == "contract")
    assert add_demo_assets(ids, 3, gold=gold, policy=None, queue=queue) == 0
    assert all(p.next_due_on > today - dt.timedelta(days=1) for p in MaintenancePlan.objects.all())
