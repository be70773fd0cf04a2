"""Activities follow a merge: the merged contact's or account's activities move to the survivor.

Importing this module (from ``ActivitiesConfig.ready()``) registers the relinkers in the customers
merge registry, so customers never imports activities; undo moves exactly the moved activities
back.
"""

from __future__ import annotations

from clientela.activities.models import Activity
from clientela.customers.merge import fk_relinker, register_relinker

register_relinker("customers.contact", fk_relinker("activities", Activity, "contact"))
register_relinker("customers.account", fk_relinker("activities", Activity, "account"))
