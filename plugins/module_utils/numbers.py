# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one parser of the numbers HostUp sends: money, whole numbers, ids and seconds.

PRIVATE to this collection: names here may change in any release.

HostUp writes numbers as JSON numbers or as strings ("311.26", "1938"), and a
hostile or broken server can send anything in their place. Every reader of a
number goes through this file, so one rule holds everywhere: a value that is
not plainly that kind of number is None ("unknown"), never an exception and
never a guess. Booleans are no numbers; NaN, infinities and numbers no float
holds are unknown; "60,00" is not 60; negative zero is zero.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import math
import re

# Two amounts closer than this are the same amount (HostUp rounds to whole öre/cents).
MONEY_TOLERANCE = 0.005

# A decimal number written as text: digits with an optional sign, point and exponent.
# float() alone would also take "nan", "inf", "1_000" and surrounding junk.
_DECIMAL = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,4})?$")
_DIGITS = re.compile(r"^[0-9]{1,30}$")
_WHOLE = re.compile(r"^[+-]?[0-9]{1,16}$")
# The largest whole number a float holds exactly: beyond it two counts could compare equal.
_EXACT_LIMIT = 2 ** 53


def decimal(value):
    """A finite float, or None: the base of every other reader here."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip()
        if not _DECIMAL.match(text):
            return None
        value = text
    elif not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except (ValueError, OverflowError):  # OverflowError: an integer of 400 digits
        return None
    if not math.isfinite(number):
        return None
    return number + 0.0  # -0.0 + 0.0 is 0.0: no "-0.00" in any output


def money(value):
    """An amount of money rounded to hundredths, or None when HostUp gave no finite amount."""
    number = decimal(value)
    return None if number is None else round(number, 2) + 0.0


def whole_number(value):
    """An int (from an int, a whole float or a string of digits with an optional sign), or None."""
    if isinstance(value, str) and not _WHOLE.match(value.strip()):
        return None
    number = decimal(value)
    if number is None or not number.is_integer() or abs(number) > _EXACT_LIMIT:
        return None
    return int(number)


def positive_int(value):
    """A whole number of 1 or more (a vmid, a draft id), or None."""
    number = whole_number(value)
    return number if number is not None and number >= 1 else None


def quantity(value):
    """A size or count as HostUp gave it: an int when whole, else a float; None when no finite number."""
    number = decimal(value)
    if number is None:
        return None
    return int(number) if number.is_integer() and abs(number) <= _EXACT_LIMIT else number


def ident(value):
    """A HostBill id (order, invoice, product) as a string of digits; None for none.

    HostBill writes "no id" as 0, "0" or "". Anything that is not a number of
    digits is no id at all.
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float):
        value = whole_number(value)
        if value is None:
            return None
    text = str(value).strip()
    return text if _DIGITS.match(text) and text.strip("0") else None


def seconds(value):
    """A finite, non-negative number of seconds, or None."""
    number = decimal(value)
    return number if number is not None and number >= 0 else None


def same_amount(first, second):
    """Whether two known amounts are the same to the cent; an unknown amount is never the same."""
    return first is not None and second is not None and abs(first - second) < MONEY_TOLERANCE


def show_amount(amount):
    """An amount as a person reads it: 60.00, or "unknown"."""
    return "unknown" if amount is None else "%.2f" % amount
