# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What HostUp's estimates prove: whether a VPS already has the options asked, or that nobody can tell.

PRIVATE to this collection: names here may change in any release.

HostUp has no read of an option's current value. The module (before it orders)
and the ledger (before it calls an earlier order shown) decide by one rule,
resources_shown, from estimates they make through the caller's ``estimate``.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.hostup.cloud.plugins.module_utils.errors import HostUpError
from ansible_collections.hostup.cloud.plugins.module_utils.numbers import MONEY_TOLERANCE, same_amount, whole_number
from ansible_collections.hostup.cloud.plugins.module_utils.quote import option_kinds


def price_difference(quote, recurring_now):
    """True when the estimate shows a price difference, False when it shows none, None when it cannot tell.

    A figure HostUp left out (or sent unreadable) is unknown, never zero: the
    estimate's due now and recurring price, and ``recurring_now``, the price the
    VPS pays now.
    """
    figures = quote.figures
    pairs = ((figures["prorated"], 0.0), (figures["due_now"], 0.0), (figures["recurring"], recurring_now))
    if any(a is not None and b is not None and not same_amount(a, b) for a, b in pairs):
        return True
    if any(a is None or b is None for a, b in pairs):
        return None
    return False


def resources_shown(estimate, resources, recurring_now):
    """Whether HostUp's estimates prove the VPS has ``resources``: ``(shown, unpriced, unproven)``.

    ``estimate(options)`` is HostUp's estimate (a Quote) of setting those options.
    ``shown`` is False when an estimate shows a price difference (the VPS does not
    have them), True when the estimates prove it has them, None when nobody can
    tell: then ``unpriced`` is the estimate whose price HostUp left out (proof of
    nothing), or ``unproven`` maps each option that could differ at no cost to why.

    Only options ordered by count or size (``hasQty`` in the draft) can be proven,
    each on its own (two options can change in opposite directions for the same
    price), then pinned: one unit less costing less and one more costing more than
    the VPS pays now proves it has exactly that value, whatever units its plan
    includes (values within included units all cost the same). A list option (an
    OS, IPv6), a free option or one the draft does not describe never can: HostUp
    has no read of an option's current value.
    """
    whole = estimate(resources)
    difference = price_difference(whole, recurring_now)
    if difference is not False:
        return (False, None, {}) if difference else (None, whole, {})
    kinds = option_kinds(whole, resources)
    unproven = dict((option_id, "a list option" if kinds[option_id] is False else "not described by HostUp")
                    for option_id in resources if not kinds[option_id])
    if unproven:
        return None, None, unproven
    for option_id, value in sorted(resources.items()):
        alone = whole if len(resources) == 1 else estimate({option_id: value})
        difference = price_difference(alone, recurring_now)
        if difference is not False:
            return (False, None, {}) if difference else (None, alone, {})
    for option_id, value in sorted(resources.items()):
        if not _value_pinned(estimate, option_id, value, recurring_now):
            unproven[option_id] = ("%s: one unit less or more does not cost less or more than now, as within units "
                                   "the plan includes" % (value,))
    return (None, None, unproven) if unproven else (True, None, {})


def _value_pinned(estimate, option_id, value, recurring_now):
    """Whether estimates of one unit less and one more than ``value`` pin the option's current value to it.

    With a price that never falls as units grow: one unit less costing less than
    now means the VPS has at least ``value``, one more costing more means at most.
    An estimate HostUp refuses (a value past the option's limits) proves nothing.
    """
    number = whole_number(value)
    if number is None or number < 0:
        return False
    for probe, direction in ((number - 1, -1), (number + 1, 1)):
        if probe < 0:
            continue  # nothing is below 0 units
        try:
            recurring = estimate({option_id: probe}).figures["recurring"]
        except HostUpError as error:
            if error.status == 400:
                return False
            raise
        if recurring is None or direction * (recurring - recurring_now) <= MONEY_TOLERANCE:
            return False
    return True
