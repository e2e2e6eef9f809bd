"""Compiled byte loops over text: number fields reduced to digits, scrub's CSV chunks split into
records and written back with the new fields. Each is one pass where numpy or polars made several.

Kept in one module because numba's disk cache watches only the file of the function it compiled:
a kernel calling a helper from another file could keep running a stale copy of it.
Every array is uint8 / int64 / uint64 and mixed arithmetic is avoided: numba turns mixed signed and
unsigned arithmetic into floats.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from llvmlite import ir
from numba.core import cgutils, types
from numba.cpython.unsafe.numbers import trailing_zeros
from numba.extending import intrinsic

from dialgate.adapters.jit import jit, jit_inline
from dialgate.domain.batch import ROW_FIELD_COUNT, ROW_OK
from dialgate.domain.bulk_numbers import MAX_INPUT

SHAPE_BLANK, SHAPE_NATIONAL, SHAPE_PLUS, SHAPE_OTHER = range(4)  # as bulk_numbers.SHAPE_*
_TEN = np.uint64(10)
_ZERO = np.uint64(0)
_HUNDRED = np.uint64(100)
_PAIRS = np.frombuffer(b"".join(b"%02d" % i for i in range(100)), dtype=np.uint8).copy()  # "00".."99"
_LIMIT = np.uint64(1844674407370955161)  # (2**64 - 1) // 10: one more digit may overflow past it
QUOTE, CR, LF = 34, 13, 10
_DIGIT, _PUNCTUATION, _OTHER = np.uint8(0), np.uint8(1), np.uint8(2)
_KIND = np.full(256, _OTHER, dtype=np.uint8)  # what a byte is in a number field, for reduce_one
_KIND[48:58] = _DIGIT
_KIND[list(b"().- ")] = _PUNCTUATION
# Eight bytes at a time: a byte repeated across a word, and the masks that find a word's zero bytes.
_ONES = np.uint64(0x0101010101010101)
_LOW7 = np.uint64(0x7F7F7F7F7F7F7F7F)
_THREE, _SEVEN, _EIGHT, _TOP, _FULL = np.uint64(3), np.uint64(7), np.uint64(8), np.uint64(56), ~np.uint64(0)
_trailing_zeros: Any = trailing_zeros  # an intrinsic: typed by numba, not by its Python signature
_raw_memcpy: Any = cgutils.raw_memcpy
_FIVE_WORDS: Any = types.UniTuple(types.uint64, 5)  # type: ignore[no-untyped-call]


def _ctpop(typingctx: Any, x: Any) -> Any:  # noqa: ARG001
    """The bits set in an integer: one instruction (LLVM's ctpop)."""

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:  # noqa: ARG001
        return builder.ctpop(args[0])

    return x(x), codegen


_popcount: Any = intrinsic(_ctpop)


@jit
def reduce_one(data: Any, a: int, b: int) -> tuple[int, Any, int]:
    """The number field data[a:b] as (shape, digits, count): bulk_numbers' rules (edge spaces and tabs
    trimmed, at most MAX_INPUT bytes, one leading '+', then only digits and ' ().-'); count is the bytes
    left when the '+' and punctuation are dropped (its digits, for simple shapes); digits is 0 unless the
    shape is simple and they fit in 64 bits."""
    while a < b and (data[a] == 32 or data[a] == 9):
        a += 1
    while b > a and (data[b - 1] == 32 or data[b - 1] == 9):
        b -= 1
    if a == b:
        return SHAPE_BLANK, _ZERO, 0
    longer = b - a > MAX_INPUT  # phonenumbers refuses it: never a simple shape
    plus = data[a] == 43
    if plus:
        a += 1
    other = False
    overflow = False
    v = _ZERO
    n = 0
    for q in range(a, b):  # without branches: punctuation between digits mispredicted them
        c = data[q]
        kind = _KIND[c]
        digit = kind == _DIGIT
        d = np.uint64(c) - np.uint64(48)  # meaningless unless a digit
        overflow |= digit & ((v > _LIMIT) | ((v == _LIMIT) & (d > np.uint64(5))))
        v = v * _TEN + d if digit else v
        n += kind != _PUNCTUATION
        other |= kind == _OTHER
    if other or longer:
        return SHAPE_OTHER, _ZERO, n
    if overflow:
        v = _ZERO
    return (SHAPE_PLUS if plus else SHAPE_NATIONAL), v, n


@jit
def reduce_fields(data: Any, ends: Any, shape: Any, value: Any, count: Any) -> None:
    """reduce_one for field i = data[ends[i-1]:ends[i]] (from 0 for the first)."""
    start = 0
    for i in range(ends.shape[0]):
        shape[i], value[i], count[i] = reduce_one(data, start, ends[i])
        start = ends[i]


@jit
def count_byte(data: Any, byte: int) -> int:
    """How many times `byte` occurs in data (a loop the compiler vectorises; bytes.count is slower)."""
    found = 0
    for i in range(data.shape[0]):
        found += data[i] == byte
    return found


@jit_inline
def zero_bytes(x: Any) -> Any:
    """0x80 in every byte of the word x that is zero, 0 in the others (exact: no borrow crosses bytes)."""
    return ~(((x & _LOW7) + _LOW7) | x | _LOW7)


@jit_inline
def stop_in_word(x: Any, keep: Any, delimiter: int) -> tuple[Any, Any]:
    """The line feeds, carriage returns and quotes among the `keep` bytes of word x, and the delimiters
    before the first of them (0x80 at each)."""
    special = zero_bytes(x ^ _ONES * np.uint64(LF)) | zero_bytes(x ^ _ONES * np.uint64(CR))
    special = (special | zero_bytes(x ^ _ONES * np.uint64(QUOTE))) & keep
    before = (special & (_ZERO - special)) - np.uint64(1)  # every bit below the first special byte
    return special, zero_bytes(x ^ _ONES * np.uint64(delimiter)) & keep & before


@jit_inline
def marked(mask: Any) -> Any:
    """How many bytes a mask of 0x80s marks (their sum lands in the top byte)."""
    return np.int64(((mask >> _SEVEN) * _ONES) >> _TOP)


@jit_inline
def short_word(data: Any, i: int, n: int) -> Any:
    """data[8 * i : n], short of a word, as one: the zero bytes past n are never special (nor a delimiter)."""
    x = _ZERO
    for r in range(n - 1, 8 * i - 1, -1):
        x = (x << _EIGHT) | np.uint64(data[r])
    return x


@jit_inline
def find_special(data: Any, words: Any, q: int, n: int, delimiter: int) -> tuple[Any, int]:
    """The first position from q on (n if none before it) holding a line feed, a carriage return or a
    quote, and how many delimiters come before it. A word at a time (words: data's whole words), the
    stop found by counting trailing zeros (bytes in little-endian order): a loop over bytes
    mispredicted a branch at every stop and cost twice as much."""
    i = q >> 3
    keep = _FULL << np.uint64(8 * (q & 7))  # the bytes of the first word from q on
    whole = min(words.shape[0], n >> 3)
    seps = 0
    while i < whole:
        special, before = stop_in_word(words[i], keep, delimiter)
        seps += marked(before)
        if special != _ZERO:
            return 8 * i + np.int64(_trailing_zeros(special) >> _THREE), seps
        keep = _FULL
        i += 1
    if 8 * i < n:
        special, before = stop_in_word(short_word(data, i, n), keep, delimiter)
        seps += marked(before)
        if special != _ZERO:
            return 8 * i + np.int64(_trailing_zeros(special) >> _THREE), seps
    return n, seps


@jit_inline
def past_delimiters(data: Any, words: Any, q: int, n: int, delimiter: int, k: int) -> Any:
    """The position just past the k-th delimiter (k >= 1) from q on; -1 when a line feed, carriage
    return or quote comes first (fields that need a closer look). Fields before the number column in
    one pass, not one stop each."""
    i = q >> 3
    keep = _FULL << np.uint64(8 * (q & 7))
    whole = min(words.shape[0], n >> 3)
    while 8 * i < n:
        x = words[i] if i < whole else short_word(data, i, n)
        special, before = stop_in_word(x, keep, delimiter)
        seen = marked(before)
        if seen >= k:
            for _ in range(k - 1):
                before &= before - np.uint64(1)  # the lowest delimiters dropped
            return 8 * i + np.int64(_trailing_zeros(before) >> _THREE) + 1
        if special != _ZERO:
            return -1
        k -= seen
        keep = _FULL
        i += 1
    return -1


@jit_inline
def closing_quote(data: Any, words: Any, q: int, n: int) -> tuple[int, int]:
    """Where the quoted text from q on ends (its closing quote; n if it never closes; -1 at a carriage
    return, which the plain reading leaves to the others), and the line feeds inside it."""
    lines = 0
    while True:
        q, _ = find_special(data, words, q, n, QUOTE)  # (no delimiters to count inside quotes)
        if q >= n:
            return n, lines
        c = data[q]
        if c == QUOTE:
            if q + 1 < n and data[q + 1] == QUOTE:
                q += 2
                continue
            return q, lines
        if c == CR:
            return -1, lines
        lines += 1
        q += 1


@jit
def scan_records(
    data: Any,  # uint8[:] records; unless `final`, the last ones may be incomplete
    final: bool,  # the data runs to the end of the file: its last record may lack a line end
    delimiter: int,  # an ASCII byte
    column: int,  # the number column
    columns: int,  # how many fields a record should have
) -> tuple[int, int, int, int, bool, bool, tuple[Any, ...]]:
    """Split data into records the way RFC 4180 does, blank lines skipped: walk_records' answer, from
    scan_blocks when the data is plain enough for it (most campaign lists: about twice as fast), and
    whether the bytes used are all ASCII (when False, some may not be): (records, used, newlines,
    first_line, regular, ascii, found)."""
    done, rows, used, lines, first_line, ascii, found = scan_blocks(data, final, delimiter, column, columns)
    if done:
        return rows, used, lines, first_line, True, ascii, found
    rows, used, lines, first_line, regular, found = walk_records(data, final, delimiter, column, columns)
    return rows, used, lines, first_line, regular, regular and is_ascii(data[:used]), found


@jit
def walk_records(
    data: Any, final: bool, delimiter: int, column: int, columns: int
) -> tuple[int, int, int, int, bool, tuple[Any, ...]]:
    """Split data into records the way RFC 4180 does, blank lines skipped (arguments as scan_records').

    Returns (records, used, newlines, first_line, regular, (starts, ends, number_at, number_end, shape,
    value, count, unreadable)): the records are those in data[:used] (unless `final`, the records that
    end with a line end: a quote still open at the end leaves its record to the next call), `newlines`
    the line feeds in data[:used], `first_line` the first record's line counted from 0. Per record:
    where its text starts and ends (line end excluded), where its number field starts and ends (a
    quoted one at its quotes; -1: none), reduce_one of the number field, and ROW_OK or
    ROW_FIELD_COUNT. Not `regular` (the rest meaningless) as soon as the data strays from the
    plainest CSV: a quote that is not a whole field's, a carriage return anywhere but before a line
    feed, a quote open at the end of a final chunk, or a line break inside quotes in data with
    carriage returns."""
    n = data.shape[0]
    if not final:
        while n > 0 and data[n - 1] != LF:
            n -= 1
    cap = count_byte(data[:n], LF) + 1  # a record ends at a line feed, or at the end of the data
    found = record_columns(cap)
    words = data[: data.shape[0] // 8 * 8].view(np.uint64)  # data[8 * i : 8 * i + 8] as one word
    stops = np.zeros(256, dtype=np.uint8)  # the bytes that end or spoil an unquoted field: one lookup
    stops[delimiter] = 1
    stops[LF] = 1
    stops[CR] = 2
    stops[QUOTE] = 3
    k = 0
    line = 0
    pos = 0
    first_line = -1
    crlf = False
    quoted_break = False
    while pos < n:
        start = pos
        first = line
        field = 0
        at = -1
        end_at = -1
        broken = False  # a line break inside quotes in this record
        if column > 0:
            past = past_delimiters(data, words, pos, n, delimiter, column)
            if past >= 0:  # plain fields up to the number's: counted, not looked at
                pos = past
                field = column
        while True:  # one field per turn
            if pos < n and data[pos] == QUOTE:
                q, inside = closing_quote(data, words, pos + 1, n)
                if q < 0:
                    return k, start, first, first_line, False, found
                broken |= inside > 0
                line += inside
                if q >= n:  # the quote never closes: in this data
                    return k, start, first, first_line, not final and not (crlf and quoted_break), found
                q += 1  # past the closing quote: a delimiter or the line end must follow
                crlf_next = q + 1 < n and data[q] == CR and data[q + 1] == LF
                if q < n and data[q] != delimiter and data[q] != LF and not crlf_next:
                    return k, start, first, first_line, False, found
            elif field <= column:
                q = pos
                while q < n and stops[data[q]] == 0:
                    q += 1
                if q < n and stops[data[q]] > 1 and not (data[q] == CR and q + 1 < n and data[q + 1] == LF):
                    # a quote inside the field, or a carriage return alone
                    return k, start, first, first_line, False, found
            else:  # past the number only the fields' count matters: up to the line end or a quote at once
                q, seps = find_special(data, words, pos, n, delimiter)
                field += seps
                if q < n and data[q] == QUOTE:
                    if data[q - 1] != delimiter:  # a quote inside a field (q > pos: one at pos is above)
                        return k, start, first, first_line, False, found
                    pos = q
                    continue  # the quoted field, as any other
                if q < n and data[q] == CR and not (q + 1 < n and data[q + 1] == LF):
                    return k, start, first, first_line, False, found  # a carriage return alone
            if field == column:
                at = pos
                end_at = q
            field += 1
            pos = q
            if pos < n and data[pos] == delimiter:
                pos += 1
                continue
            break
        end = pos
        if pos < n:
            if data[pos] == CR:
                crlf = True
                pos += 1
            pos += 1
            line += 1
        quoted_break |= broken
        if end == start:
            continue  # a blank line carries no row
        if first_line < 0:
            first_line = first
        k = _keep(data, found, k, start, end, field - 1, at, end_at, column, columns)
    regular = not (crlf and quoted_break)
    return k, pos, line, first_line, regular, found


def _byte_masks(typingctx: Any, data: Any, at: Any, delimiter: Any) -> Any:  # noqa: ARG001
    """Bit j of each of five words: byte at + j of the uint8 array `data` (all 64 of them must exist)
    is a line feed / a quote / the delimiter / a carriage return / not ASCII. One 64-byte vector compared
    five times, each comparison's lanes read as the bits of a word: LLVM makes that a few SIMD compares
    and mask moves (pcmpeqb and pmovmskb on x86), where eight words' marks gathered by multiplication
    took 2.5 times as long."""
    sig = _FIVE_WORDS(data, types.intp, types.intp)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        array = context.make_array(signature.args[0])(context, builder, args[0])
        byte, lanes = ir.IntType(8), ir.VectorType(ir.IntType(8), 64)
        start = builder.bitcast(builder.gep(array.data, [args[1]]), lanes.as_pointer())
        block = builder.load(start, align=1)
        undefined = ir.Constant(lanes, ir.Undefined)
        everywhere = ir.Constant(ir.VectorType(ir.IntType(32), 64), [0] * 64)

        def bits(compared: Any) -> Any:
            return builder.bitcast(compared, ir.IntType(64))

        def equal(value: Any) -> Any:
            first = builder.insert_element(undefined, value, ir.Constant(ir.IntType(32), 0))
            return bits(
                builder.icmp_unsigned("==", block, builder.shuffle_vector(first, undefined, everywhere))
            )

        masks = [equal(ir.Constant(byte, LF)), equal(ir.Constant(byte, QUOTE)), equal(builder.trunc(args[2], byte)),
                 equal(ir.Constant(byte, CR)), bits(builder.icmp_signed("<", block, ir.Constant(lanes, None)))]  # fmt: skip
        return context.make_tuple(builder, signature.return_type, masks)

    return sig, codegen


byte_masks: Any = intrinsic(_byte_masks)  # typed by numba, not by its Python signature


@jit
def block_marks(data: Any, n: int, delimiter: int, marks: Any) -> tuple[int, bool]:
    """byte_masks of data[:n] into marks (line feeds, quotes, delimiters, carriage returns: four words
    a block), the last bytes short of a block copied into a zeroed one first. Returns how many line
    feeds there are and whether every byte is ASCII. A pass of its own: without the quote parity's
    dependence from block to block it runs twice as fast."""
    whole = n // 64
    newlines: Any = 0
    high = _ZERO
    for b in range(whole):
        lf, qt, dl, cr, above = byte_masks(data, 64 * b, delimiter)
        marks[4 * b], marks[4 * b + 1], marks[4 * b + 2], marks[4 * b + 3] = lf, qt, dl, cr
        newlines += np.int64(_popcount(lf))
        high |= above
    rest = n - whole * 64
    if rest:
        last = np.zeros(64, dtype=np.uint8)
        last[:rest] = data[whole * 64 : n]
        lf, qt, dl, cr, above = byte_masks(last, 0, delimiter)
        valid = (np.uint64(1) << np.uint64(rest)) - np.uint64(1)  # (the padding is a delimiter if NUL is)
        lf, qt, dl, cr = lf & valid, qt & valid, dl & valid, cr & valid
        marks[4 * whole], marks[4 * whole + 1], marks[4 * whole + 2], marks[4 * whole + 3] = lf, qt, dl, cr
        newlines += np.int64(_popcount(lf))
        high |= above
    return newlines, high == _ZERO


@jit_inline
def prefix_xor(x: Any) -> Any:
    """Bit j: the parity of x's bits 0..j (inside a quoted text from its opening quote on)."""
    for shift in (1, 2, 4, 8, 16, 32):
        x ^= x << np.uint64(shift)
    return x


@jit
def scan_blocks(
    data: Any, final: bool, delimiter: int, column: int, columns: int
) -> tuple[bool, int, int, int, int, bool, tuple[Any, ...]]:
    """walk_records for the plainest CSV, 64 bytes at a time: masks of the line feeds, quotes,
    delimiters and carriage returns, the quoted spans found by a prefix parity of the quotes, then one
    step per line end outside quotes, its delimiters counted by popcount. Returns (done, records, used,
    newlines, first_line, ascii, found): walk_records' answer, and whether every byte scanned (all of
    data when final, else up to its last line end) is ASCII. done is False (the rest meaningless) when
    the data holds a carriage return not before a line feed or inside quotes, a quote that is not a
    whole field's, a quoted line break in data with carriage returns, or (when final) a quote still
    open at its end."""
    n = data.shape[0]
    if not final:
        while n > 0 and data[n - 1] != LF:
            n -= 1
    marks = np.empty((n + 63) // 64 * 4, dtype=np.uint64)  # line feeds, quotes, delimiters, CRs a block
    newlines, ascii = block_marks(data, n, delimiter, marks)
    cap = newlines + 1
    found = record_columns(cap)
    one = np.uint64(1)
    k = 0
    start: Any = 0
    field = 0
    at = 0 if column == 0 else -1
    end_at = -1
    blank_lines = 0  # before the first record: its line
    inside = _ZERO  # all ones while a quoted text runs on from the block before
    after_separator = one  # byte 64 * b - 1 is a delimiter, line feed or quote (or b is the first block)
    after_closing = _ZERO  # byte 64 * b - 1 closes a quoted text
    after_cr = _ZERO  # byte 64 * b - 1 is a carriage return
    crlf = False
    quoted_break = False
    for b in range(marks.shape[0] // 4):
        base = 64 * b
        lf, qt, dl, cr = marks[4 * b], marks[4 * b + 1], marks[4 * b + 2], marks[4 * b + 3]
        valid = _FULL if base + 64 <= n else (one << np.uint64(n - base)) - one
        separators = dl | lf | qt | cr
        if cr != _ZERO or after_cr != _ZERO:  # each before a line feed (the next block's first byte)
            if (cr & ~(lf >> one) & (_FULL >> one)) | (after_cr & ~lf) != _ZERO:
                return False, 0, 0, 0, -1, False, found
            crlf = True
        if qt != _ZERO or inside != _ZERO:
            quoted = prefix_xor(qt) ^ inside  # from each opening quote up to its closing one
            opening, closing = qt & quoted, qt & ~quoted
            # An opening quote follows a delimiter, a line end or a closing quote ("" inside quotes); a
            # closing quote is followed by one of them (or the end of the data).
            if opening & ~((separators << one) | after_separator) != _ZERO:
                return False, 0, 0, 0, -1, False, found
            if ((closing << one) | after_closing) & valid & ~separators != _ZERO:
                return False, 0, 0, 0, -1, False, found
            if cr & quoted != _ZERO:
                return False, 0, 0, 0, -1, False, found
            quoted_break |= lf & quoted != _ZERO
            after_closing = closing >> np.uint64(63)
            inside = _ZERO - (quoted >> np.uint64(63))
            dl &= ~quoted
            lf &= ~quoted
        else:
            after_closing = _ZERO
        after_separator = separators >> np.uint64(63)
        before_lf = (cr << one) | after_cr  # bit j: byte j - 1 is a carriage return (a record's CRLF)
        after_cr = cr >> np.uint64(63)
        done = _ZERO  # the bits of this block already taken
        while lf != _ZERO:  # each record that ends in this block
            bit = _trailing_zeros(lf)
            lf &= lf - one
            p = base + np.int64(bit)
            below = (one << bit) - one
            field, at, end_at = _fields(dl & below & ~done, base, field, at, end_at, column)
            done = below | (one << bit)
            end = p - np.int64((before_lf >> bit) & one)
            if end > start:
                k = _keep(data, found, k, start, end, field, at, end_at, column, columns)
            elif k == 0:
                blank_lines += 1
            start = p + 1
            field = 0
            at = start if column == 0 else -1
            end_at = -1
        field, at, end_at = _fields(dl & ~done, base, field, at, end_at, column)
    if (inside != _ZERO and final) or after_cr != _ZERO or (crlf and quoted_break):
        return False, 0, 0, 0, -1, False, found
    used = n
    if start < n:
        if final:
            k = _keep(data, found, k, start, n, field, at, end_at, column, columns)
        else:  # a quoted line break in the last record: it is completed by the next data
            used = start
            newlines = count_byte(data[:used], LF)
    return True, k, used, newlines, blank_lines if k else -1, ascii, found


@jit_inline
def _fields(
    delimiters: Any, base: int, field: Any, at: Any, end_at: Any, column: int
) -> tuple[Any, Any, Any]:
    """Count in a record's delimiters (bit j: at base + j), noting where the number field starts
    (after delimiter `column`) and ends (at delimiter column + 1). One by one only around those two."""
    if field > column or delimiters == _ZERO:
        return field + np.int64(_popcount(delimiters)), at, end_at
    while delimiters != _ZERO and field <= column:
        p = base + np.int64(_trailing_zeros(delimiters))
        delimiters &= delimiters - np.uint64(1)
        field += 1
        if field == column:
            at = p + 1
        elif field == column + 1:
            end_at = p
    return field + np.int64(_popcount(delimiters)), at, end_at


@jit_inline
def record_columns(cap: int) -> tuple[Any, ...]:
    """Room for `cap` records: starts, ends, number_at, number_end, shape, value, count, unreadable."""
    return (
        np.empty(cap, dtype=np.int64), np.empty(cap, dtype=np.int64), np.empty(cap, dtype=np.int64),
        np.empty(cap, dtype=np.int64), np.empty(cap, dtype=np.uint8), np.empty(cap, dtype=np.uint64),
        np.empty(cap, dtype=np.int64), np.empty(cap, dtype=np.uint8),
    )  # fmt: skip


@jit_inline
def _keep(
    data: Any,
    found: Any,
    k: int,
    start: Any,
    end: Any,
    field: int,
    at: int,
    end_at: int,
    column: int,
    columns: int,
) -> int:
    """Record k is data[start:end] with `field` delimiters (outside quotes) and its number field at
    data[at:end_at] (at -1 when missing, end_at -1 when it runs to the end): set its entries."""
    starts, ends, number_at, number_end, shape, value, count, unreadable = found
    if field < column:
        at = -1
    elif field == column:
        end_at = end
    if at < 0:
        end_at = -1
    starts[k] = start
    ends[k] = end
    number_at[k] = at
    number_end[k] = end_at
    unreadable[k] = ROW_OK if field + 1 == columns else ROW_FIELD_COUNT
    if at < 0:
        shape[k], value[k], count[k] = SHAPE_BLANK, _ZERO, 0
    elif at == end_at or data[at] != QUOTE:
        shape[k], value[k], count[k] = reduce_one(data, at, end_at)
    else:
        escaped = False
        for q in range(at + 1, end_at - 1):
            if data[q] == QUOTE:
                escaped = True
        if escaped:  # a quote inside a number: never a simple shape
            shape[k], value[k], count[k] = SHAPE_OTHER, _ZERO, 0
        else:
            shape[k], value[k], count[k] = reduce_one(data, at + 1, end_at - 1)
    return k + 1


@jit
def is_ascii(data: Any) -> bool:
    """Whether every byte is below 128 (one vectorised pass)."""
    seen = 0
    for i in range(data.shape[0]):
        seen |= data[i]
    return seen < 128


def _copy_bytes(typingctx: Any, dst: Any, dst_at: Any, src: Any, src_at: Any, n: Any) -> Any:  # noqa: ARG001
    """dst[dst_at : dst_at + n] = src[src_at : src_at + n] for uint8 arrays that do not overlap, as one
    memcpy: numba's slice assignment copies byte by byte after checking for overlap, five times slower
    for a record of a campaign list."""
    sig = types.void(dst, types.intp, src, types.intp, types.intp)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        to = context.make_array(signature.args[0])(context, builder, args[0])
        source = context.make_array(signature.args[2])(context, builder, args[2])
        at, start = builder.gep(to.data, [args[1]]), builder.gep(source.data, [args[3]])
        _raw_memcpy(builder, at, start, args[4], 1)
        return context.get_dummy_value()

    return sig, codegen


copy_bytes: Any = intrinsic(_copy_bytes)  # typed by numba, not by its Python signature


@jit
def append_columns(
    data: Any,  # uint8[:] the chunk as read
    starts: Any,  # int64[:] per record: where its text starts in data
    ends: Any,  # int64[:] and where it ends (line end excluded)
    key: Any,  # uint64[:] E.164 digits, written as "+<key>" where valid
    valid: Any,  # bool[:]
    entries: Any,  # uint8[:] small texts back to back, each with its leading delimiter
    bounds: Any,  # int64[:] entry j is entries[bounds[j]:bounds[j + 1]]
    picks: Any,  # int64[:, 3] per record: the entries of its verdict, reasons and next instant
    sep: Any,  # uint8[:] the delimiter
    term: Any,  # uint8[:] the line end
    out: Any,  # uint8[:] large enough for everything
) -> int:
    """Write record + sep + e164 + the three picked entries + term for every record; the bytes used."""
    digits = np.empty(20, dtype=np.uint8)
    p = 0
    for i in range(starts.shape[0]):
        n = ends[i] - starts[i]
        copy_bytes(out, p, data, starts[i], n)
        p += n
        copy_bytes(out, p, sep, 0, sep.shape[0])
        p += sep.shape[0]
        if valid[i]:
            out[p] = 43  # '+'
            p += 1
            k = key[i]
            m = 20  # digits[m:] holds what is written so far, two at a time (half the divisions)
            while k >= _HUNDRED:
                rest = k // _HUNDRED
                pair = np.int64(k - rest * _HUNDRED) * 2
                m -= 2
                digits[m], digits[m + 1] = _PAIRS[pair], _PAIRS[pair + 1]
                k = rest
            if k >= _TEN:
                pair = np.int64(k) * 2
                m -= 2
                digits[m], digits[m + 1] = _PAIRS[pair], _PAIRS[pair + 1]
            else:  # at least one digit, as str() writes 0
                m -= 1
                digits[m] = 48 + np.uint8(k)
            copy_bytes(out, p, digits, m, 20 - m)
            p += 20 - m
        for c in range(3):
            e = picks[i, c]
            n = bounds[e + 1] - bounds[e]
            copy_bytes(out, p, entries, bounds[e], n)
            p += n
        copy_bytes(out, p, term, 0, term.shape[0])
        p += term.shape[0]
    return p
