import random

import numpy as np
import polars as pl
import pytest

from dialgate.adapters.number_digits import digits_of, digits_of_series
from dialgate.domain.bulk_numbers import SHAPE_BLANK, SHAPE_NATIONAL, SHAPE_OTHER, NumberDigits


@pytest.mark.parametrize(
    "alphabet", ["0123456789 +-().\tx#é١１", "0123456789 +-().\tx#"]
)  # ASCII alone: no polars
def test_the_compiled_reduction_of_number_fields_equals_the_reference(alphabet):
    rng = random.Random(9)
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 24))) for _ in range(3000)]
    texts += ["+1 (212) 555-0101", " \t", "", "12345678901234567890123", "\t+44 7700 900123\t"]
    texts += ["".join(rng.choice("0123456789") for _ in range(rng.randrange(15, 20))) for _ in range(300)]
    texts += ["9999999999999999999", "+", "()", "+ 1 212", "++1", "1\t2"]
    # phonenumbers refuses more than 250 characters (edge spaces stripped): 250 is simple, 251 is not
    texts += [
        "+336" + " " * 238 + "39980012",
        "+336" + " " * 239 + "39980012",
        " \t" + "0" + "-" * 249 + "\t ",
    ]
    fast = digits_of(texts)
    reference = NumberDigits.from_strings(texts)
    assert np.array_equal(fast.shape, reference.shape)
    simple = reference.shape != SHAPE_OTHER  # other shapes go to phonenumbers by their text
    assert np.array_equal(fast.count[simple], reference.count[simple])
    assert np.array_equal(fast.value[simple], reference.value[simple])
    odd = np.flatnonzero(~simple)
    assert list(fast.text_of(odd)) == [texts[i] for i in odd]


def test_a_null_field_is_blank_and_digits_past_64_bits_read_as_no_number():
    found = digits_of_series(pl.Series(["18446744073709551615", "18446744073709551616", None]))
    assert found.shape.tolist() == [SHAPE_NATIONAL, SHAPE_NATIONAL, SHAPE_BLANK]
    assert found.value.tolist() == [2**64 - 1, 0, 0]
    assert found.count.tolist() == [20, 20, 0]
