import random

import numpy as np

from dialgate.adapters.number_digits import digits_of
from dialgate.domain.bulk_numbers import SHAPE_OTHER, NumberDigits


def test_the_polars_reduction_of_number_fields_equals_the_reference():
    rng = random.Random(9)
    alphabet = "0123456789 +-().\tx#é١１"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 24))) for _ in range(3000)]
    texts += ["+1 (212) 555-0101", " \t", "", "12345678901234567890123", "\t+44 7700 900123\t"]
    fast = digits_of(texts)
    reference = NumberDigits.from_strings(texts)
    assert np.array_equal(fast.shape, reference.shape)
    simple = reference.shape != SHAPE_OTHER  # other shapes go to phonenumbers by their text
    assert np.array_equal(fast.count[simple], reference.count[simple])
    assert np.array_equal(fast.value[simple], reference.value[simple])
    odd = np.flatnonzero(~simple)
    assert list(fast.text_of(odd)) == [texts[i] for i in odd]
