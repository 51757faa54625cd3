"""API of the maintenance module.

- /api/v1/warranty-terms/ (staff read, admins write), /api/v1/warranties/ (with
  ``GET .../<id>/coverage/?date=``), /api/v1/contracts/;
- the coverage of a ticket, /api/v1/tickets/<id>/coverage/, and its billable work,
  /api/v1/tickets/<id>/billable-items/;
- /api/v1/inspection-schedules/, /api/v1/inspections/ (with record, complete and cancel);
- /api/v1/return-visits/ (with done);
- /api/v1/products/, /api/v1/releases/ (with publish) and /api/v1/upgrade-notices/ (with track).

Customers read their own organisation's rows (another organisation's are not found); staff
read everything. Who writes is said per resource. Every write goes through a service.
"""
