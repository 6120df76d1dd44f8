# Cython declarations for book.py (an "augmenting .pxd"): read only when setup.py compiles book.py, never
# by Python. They make ``Book`` a ``cdef class`` whose fields (the source's ``__slots__``, the same names) are
# fields of its C struct: compiled code that knows an object is a ``Book`` (``processes.pxd``) reads and writes
# them without a look-up by name. Python reads them as attributes, as it reads the slots of the source.

cdef class Book:
    cdef public object a, activity_capacity, advance_left, advance_settle_due, allocations_due, arange
    cdef public object associe_month, brackets_hit, by_site, by_zone, caf_due, caf_outstanding, cape_start
    cdef public object capital_due, capital_paid, cesa_month, close_scratch, compiled, convention_last, coop_out
    cdef public object coop_pending, cs, dailly_in, dailly_out, dues_year_cents, entry_month, exit_destination
    cdef public object exit_month, exit_probability_by_stage, exit_reason, first_stage, fixed_gross_memo, flows
    cdef public object fte_cost_cache, funding_due, funding_earned, funding_received, funding_recovered
    cdef public object highest_capital_cents, lag, m, mask_rows, masks, mature, n, opened, opening_delay_months
    cdef public object outcomes, p, parcours, partner_failed, pending, people_capacity, prior_status, rows, sector
    cdef public object sector_rate_cape, sector_rate_cesa, sector_template, site, site_hire_month, site_staff
    cdef public object slot_of, slots, stage, stage_count, tables_hit, tax_loss_carried_forward_cents, waiting
    cdef public object years_at_or_above, zone
    # Row 0 of by_site's and by_zone's accueils and entries: indexed in C where one site and one zone count them all.
    cdef public double[::1] first_site_accueils, first_site_entries, first_zone_accueils, first_zone_entries

    # The methods the compiled month calls: C calls from it (a Python call from anywhere else).
    cpdef reserve(self, k)
    cpdef record_entrants(self, month, first_stage, sector, mature_cents, zone, site)
    cpdef close_slot(self, s, last)
    cpdef take_flows(self)
    cpdef taxe_salaires_ratio(self)
