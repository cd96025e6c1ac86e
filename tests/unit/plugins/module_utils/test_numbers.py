# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""numbers.py: the one parser of HostUp's numbers, against the values a hostile server can send."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import math

import pytest

from ansible_collections.hostup.cloud.plugins.module_utils import numbers

HUGE = int("9" * 400)
NAN = float("nan")

# value: (money, whole_number, positive_int, quantity, ident, seconds)
TABLE = [
    ("311.26", (311.26, None, None, 311.26, None, 311.26)),
    (" 39.00 ", (39.0, None, None, 39, None, 39.0)),
    (600, (600.0, 600, 600, 600, "600", 600.0)),
    ("1938", (1938.0, 1938, 1938, 1938, "1938", 1938.0)),
    (5257.0, (5257.0, 5257, 5257, 5257, "5257", 5257.0)),
    ("-205.26", (-205.26, None, None, -205.26, None, None)),
    ("-5", (-5.0, -5, None, -5, None, None)),
    (0, (0.0, 0, None, 0, None, 0.0)),
    ("0", (0.0, 0, None, 0, None, 0.0)),
    (-0.0, (0.0, 0, None, 0, None, 0.0)),
    ("-0.001", (0.0, None, None, -0.001, None, None)),
    (HUGE, (None, None, None, None, None, None)),
    (str(HUGE), (None, None, None, None, None, None)),
    ("1e309", (None, None, None, None, None, None)),
    (1e308, (1e308, None, None, 1e308, None, 1e308)),
    (NAN, (None, None, None, None, None, None)),
    ("NaN", (None, None, None, None, None, None)),
    ("inf", (None, None, None, None, None, None)),
    ("-Infinity", (None, None, None, None, None, None)),
    ("60,00", (None, None, None, None, None, None)),
    ("1_000", (None, None, None, None, None, None)),
    ("5e3", (5000.0, None, None, 5000, None, 5000.0)),
    (True, (None, None, None, None, None, None)),
    (False, (None, None, None, None, None, None)),
    (None, (None, None, None, None, None, None)),
    ("", (None, None, None, None, None, None)),
    ("n/a", (None, None, None, None, None, None)),
    ([60], (None, None, None, None, None, None)),
    ({"amount": 60}, (None, None, None, None, None, None)),
    ("5257abc", (None, None, None, None, None, None)),
    (5257.5, (5257.5, None, None, 5257.5, None, 5257.5)),
]
READERS = (numbers.money, numbers.whole_number, numbers.positive_int, numbers.quantity, numbers.ident,
           numbers.seconds)


@pytest.mark.parametrize("value, expected", TABLE, ids=[repr(row[0])[:20] for row in TABLE])
def test_every_reader_takes_what_is_plainly_its_kind_and_nothing_else(value, expected):
    got = tuple(reader(value) for reader in READERS)
    assert got == expected
    for number in got:
        assert number is None or isinstance(number, str) or (math.isfinite(number) and type(number) in (int, float))


def test_no_reader_returns_negative_zero():
    for value in (-0.0, "-0.00", "-0.001"):
        assert str(numbers.money(value)) == "0.0"


@pytest.mark.parametrize("value, expected", [("0", None), ("000", None), (0, None), ("034889", "034889"),
                                             (" 49526 ", "49526"), ("49526.0", None), (-3, None)])
def test_an_id_is_digits_and_zero_means_none(value, expected):
    assert numbers.ident(value) == expected


def test_amounts_are_the_same_within_the_tolerance_and_unknown_is_never_the_same():
    assert numbers.same_amount(60.0, 60.0 + numbers.MONEY_TOLERANCE / 2)
    assert not numbers.same_amount(60.0, 60.0 + 2 * numbers.MONEY_TOLERANCE)
    assert not numbers.same_amount(None, None)
    assert numbers.show_amount(None) == "unknown" and numbers.show_amount(60) == "60.00"
