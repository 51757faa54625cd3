"""API of the parts app (staff only, but the parts of a ticket):

- /api/v1/parts/, /api/v1/stock-locations/, /api/v1/stock/ (``?part=&location=&low=true``);
- /api/v1/part-movements/ (POST a movement);
- /api/v1/rmas/ (with transition);
- /api/v1/tickets/<id>/parts/ (whoever may see the ticket: customers the parts used).
"""

from parts.api.catalogue import PartViewSet, StockLocationViewSet, StockViewSet
from parts.api.movements import MovementViewSet, TicketPartsView
from parts.api.rmas import RmaViewSet

__all__ = ["MovementViewSet", "PartViewSet", "RmaViewSet", "StockLocationViewSet", "StockViewSet", "TicketPartsView"]
