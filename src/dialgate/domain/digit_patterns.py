"""Questions about phonenumbers' digit patterns that `re` cannot answer: "whatever digits follow this
prefix, does the pattern match?".

Bulk parsing (bulk_numbers.py) builds prefix tables by walking digit prefixes until every pattern that
phonenumbers consults is decided for all completions of a given length. Python's `re` only matches whole
strings, so the patterns are compiled here into a small NFA over the ten digits. Only the regex subset
phonenumbers' metadata uses is supported (digits, `\\d`, classes, groups, alternation, greedy
quantifiers, `$`); anything else raises UnsupportedPattern and the caller falls back to phonenumbers.

State sets are Python ints used as bitsets; every query is memoised on the (state set, length) pair.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

ALL_DIGITS = (1 << 10) - 1
MAX_LENGTH = 24  # longest completion ever asked about (E.164 candidates stay well below)


class UnsupportedPatternError(ValueError):
    """The pattern uses regex syntax outside the subset phonenumbers' metadata uses."""


@dataclass
class _Builder:
    edges: list[list[tuple[int, int]]] = field(default_factory=list)  # (digit mask, target)
    eps: list[list[int]] = field(default_factory=list)
    end_eps: list[list[int]] = field(default_factory=list)  # taken only at the end of the input ($)

    def state(self) -> int:
        self.edges.append([])
        self.eps.append([])
        self.end_eps.append([])
        return len(self.edges) - 1


class _Parser:
    """Recursive descent over the subset; emits Thompson fragments (start, end)."""

    def __init__(self, pattern: str, builder: _Builder) -> None:
        self.text, self.pos, self.b = pattern, 0, builder

    def fail(self, what: str) -> UnsupportedPatternError:
        return UnsupportedPatternError(f"{what} at {self.pos} in {self.text!r}")

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def parse(self) -> tuple[int, int]:
        frag = self.alternation()
        if self.pos != len(self.text):
            raise self.fail("unexpected character")
        return frag

    def alternation(self) -> tuple[int, int]:
        branches = [self.sequence()]
        while self.peek() == "|":
            self.pos += 1
            branches.append(self.sequence())
        if len(branches) == 1:
            return branches[0]
        start, end = self.b.state(), self.b.state()
        for s, e in branches:
            self.b.eps[start].append(s)
            self.b.eps[e].append(end)
        return start, end

    def sequence(self) -> tuple[int, int]:
        start = self.b.state()
        end = start
        while self.peek() not in ("", "|", ")"):
            s, e = self.quantified()
            self.b.eps[end].append(s)
            end = e
        return start, end

    def quantified(self) -> tuple[int, int]:
        atom_start = self.pos
        frag = self.atom()
        atom_text = self.text[atom_start : self.pos]
        ch = self.peek()
        if ch == "?":
            self.pos += 1
            return self.repeat(frag, atom_text, 0, 1)
        if ch == "*":
            self.pos += 1
            return self.repeat(frag, atom_text, 0, None)
        if ch == "+":
            self.pos += 1
            return self.repeat(frag, atom_text, 1, None)
        if ch == "{":
            close = self.text.find("}", self.pos)
            if close < 0:
                raise self.fail("unclosed {")
            spec = self.text[self.pos + 1 : close]
            self.pos = close + 1
            low_text, comma, high_text = spec.partition(",")
            if not low_text.isdigit() or (high_text and not high_text.isdigit()):
                raise self.fail("bad repetition")
            low = int(low_text)
            high = int(high_text) if high_text else (None if comma else low)
            return self.repeat(frag, atom_text, low, high)
        return frag

    def repeat(self, first: tuple[int, int], atom_text: str, low: int, high: int | None) -> tuple[int, int]:
        if self.peek() in ("?", "+"):
            raise self.fail("lazy or possessive quantifier")
        copies = [first] + [self.copy(atom_text) for _ in range(max(low, high or low, 1) - 1)]
        start = self.b.state()
        end = start
        for i in range(low):
            s, e = copies[i]
            self.b.eps[end].append(s)
            end = e
        if high is None:
            s, e = copies[low] if low < len(copies) else self.copy(atom_text)
            loop = self.b.state()
            self.b.eps[end].append(loop)
            self.b.eps[loop].append(s)
            self.b.eps[e].append(loop)
            return start, loop
        final = self.b.state()
        self.b.eps[end].append(final)
        for i in range(low, high):
            s, e = copies[i]
            self.b.eps[end].append(s)
            self.b.eps[e].append(final)
            end = e
        return start, final

    def copy(self, atom_text: str) -> tuple[int, int]:
        return _Parser(atom_text, self.b).atom()

    def atom(self) -> tuple[int, int]:
        ch = self.peek()
        if ch == "(":
            self.pos += 1
            if self.text.startswith("?:", self.pos):
                self.pos += 2
            elif self.peek() == "?":
                raise self.fail("group extension")
            frag = self.alternation()
            if self.peek() != ")":
                raise self.fail("unclosed group")
            self.pos += 1
            return frag
        if ch == "$":
            self.pos += 1
            start, end = self.b.state(), self.b.state()
            self.b.end_eps[start].append(end)
            return start, end
        mask = self.char_class() if ch == "[" else self.single()
        start, end = self.b.state(), self.b.state()
        self.b.edges[start].append((mask, end))
        return start, end

    def single(self) -> int:
        ch = self.peek()
        if ch.isdigit() and ch.isascii():
            self.pos += 1
            return 1 << int(ch)
        if self.text.startswith("\\d", self.pos):
            self.pos += 2
            return ALL_DIGITS
        raise self.fail(f"unsupported {ch!r}")

    def char_class(self) -> int:
        self.pos += 1
        if self.peek() == "^":
            raise self.fail("negated class")
        mask = 0
        while self.peek() != "]":
            if not self.peek():
                raise self.fail("unclosed class")
            low = self.single()
            if self.peek() == "-" and self.text[self.pos + 1 : self.pos + 2] != "]":
                self.pos += 1
                high = self.single()
                if low == ALL_DIGITS or high == ALL_DIGITS:
                    raise self.fail("range with \\d")
                a, b = low.bit_length() - 1, high.bit_length() - 1
                for d in range(a, b + 1):
                    mask |= 1 << d
            else:
                mask |= low
        self.pos += 1
        return mask


class DigitPattern:
    """A compiled digit pattern. State sets are ints; `start` is the closed start set."""

    def __init__(self, pattern: str) -> None:
        b = _Builder()
        start, accept = _Parser(pattern, b).parse()
        self.pattern = pattern
        n = len(b.edges)
        self._mid = [self._closure(b, s, with_end=False) for s in range(n)]
        self._end = [self._closure(b, s, with_end=True) for s in range(n)]
        self._edges = b.edges
        self.accept_bit = 1 << accept
        self.start = self._mid[start]
        self._end_accepting = sum(1 << s for s in range(n) if self._end[s] & self.accept_bit)
        self._step: dict[tuple[int, int], int] = {}
        self._all: dict[tuple[int, int], bool] = {}
        self._lengths = self._accept_lengths(n)
        self._mid_lengths = self._accept_lengths(n, mid=True)

    @staticmethod
    def _closure(b: _Builder, state: int, *, with_end: bool) -> int:
        seen, todo = 1 << state, [state]
        while todo:
            s = todo.pop()
            for t in b.eps[s] + (b.end_eps[s] if with_end else []):
                if not seen >> t & 1:
                    seen |= 1 << t
                    todo.append(t)
        return seen

    def _accept_lengths(self, n: int, *, mid: bool = False) -> list[int]:
        """Per state: bitmask of the lengths r such that some r digits lead to acceptance."""
        accepting = [
            bool(self._mid[s] & self.accept_bit) if mid else bool(self._end_accepting >> s & 1)
            for s in range(n)
        ]
        lengths = [int(a) for a in accepting]
        limit = (1 << (MAX_LENGTH + 1)) - 1
        changed = True
        while changed:
            changed = False
            for s in range(n):
                acc = lengths[s]
                for t in _bits(self._mid[s]):
                    acc |= lengths[t]
                    for _mask, target in self._edges[t]:
                        acc |= (lengths[target] << 1) & limit
                if acc != lengths[s]:
                    lengths[s] = acc
                    changed = True
        return lengths

    def step(self, states: int, digit: int) -> int:
        key = (states, digit)
        found = self._step.get(key)
        if found is None:
            found = 0
            for s in _bits(states):
                for mask, target in self._edges[s]:
                    if mask >> digit & 1:
                        found |= self._mid[target]
            self._step[key] = found
        return found

    def lengths(self, states: int) -> int:
        acc = 0
        for s in _bits(states):
            acc |= self._lengths[s]
        return acc

    def mid_lengths(self, states: int) -> int:
        acc = 0
        for s in _bits(states):
            acc |= self._mid_lengths[s]
        return acc

    def accepts_at_end(self, states: int) -> bool:
        return bool(states & self._end_accepting)

    def accepts_now(self, states: int) -> bool:
        return bool(states & self.accept_bit)

    # Full-match questions: exactly `remaining` more digits, then the end.
    def some_complete(self, states: int, remaining: int) -> bool:
        return bool(self.lengths(states) >> remaining & 1)

    def all_complete(self, states: int, remaining: int) -> bool:
        if remaining == 0:
            return self.accepts_at_end(states)
        key = (states, remaining)
        found = self._all.get(key)
        if found is None:
            found = True
            for d in range(10):
                nxt = self.step(states, d)
                if not self.some_complete(nxt, remaining - 1) or not self.all_complete(nxt, remaining - 1):
                    found = False
                    break
            self._all[key] = found
        return found

    # Prefix-match questions (re.match): does some prefix of the completed string match?
    def some_prefix(self, states: int, remaining: int) -> bool:
        if self.accepts_now(states):
            return True
        within = (1 << remaining) - 1  # lengths 0..remaining-1 accepted in the middle
        return bool(self.mid_lengths(states) & within) or self.some_complete(states, remaining)

    def all_prefix(self, states: int, remaining: int) -> bool:
        if self.accepts_now(states):
            return True
        if remaining == 0:
            return self.accepts_at_end(states)
        key = (states, -remaining)
        found = self._all.get(key)
        if found is None:
            found = all(self.all_prefix(self.step(states, d), remaining - 1) for d in range(10))
            self._all[key] = found
        return found


def _bits(mask: int) -> list[int]:
    out = []
    while mask:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return out


@cache
def compile_digits(pattern: str) -> DigitPattern:
    return DigitPattern(pattern)


def literal_alternatives(pattern: str, limit: int = 512) -> tuple[str, ...] | None:
    """The strings a pattern made only of digits, classes, groups and alternation matches, in the order
    `re.match` prefers them; None when the pattern has quantifiers, anchors or more than `limit` strings."""
    try:
        found = _Literals(pattern, limit).parse()
    except UnsupportedPatternError:
        return None
    return tuple(found)


class _Literals:
    def __init__(self, text: str, limit: int) -> None:
        self.text, self.pos, self.limit = text, 0, limit

    def parse(self) -> list[str]:
        out = self.alternation()
        if self.pos != len(self.text):
            raise UnsupportedPatternError(self.text)
        return out

    def alternation(self) -> list[str]:
        out = self.sequence()
        while self.text[self.pos : self.pos + 1] == "|":
            self.pos += 1
            out = out + self.sequence()
        return out

    def sequence(self) -> list[str]:
        out = [""]
        while self.pos < len(self.text) and self.text[self.pos] not in "|)":
            part = self.atom()
            out = [a + b for a in out for b in part]
            if len(out) > self.limit:
                raise UnsupportedPatternError(self.text)
        return out

    def atom(self) -> list[str]:
        ch = self.text[self.pos]
        if ch == "(":
            self.pos += 1
            if self.text.startswith("?:", self.pos):
                self.pos += 2
            inner = self.alternation()
            if self.text[self.pos : self.pos + 1] != ")":
                raise UnsupportedPatternError(self.text)
            self.pos += 1
            parts = inner
        elif ch == "[":
            close = self.text.find("]", self.pos)
            parser = _Parser(self.text[self.pos : close + 1], _Builder())
            mask = parser.char_class()
            self.pos = close + 1
            parts = [str(d) for d in range(10) if mask >> d & 1]
        elif ch.isdigit() and ch.isascii():
            self.pos += 1
            parts = [ch]
        elif self.text.startswith("\\d", self.pos):
            self.pos += 2
            parts = [str(d) for d in range(10)]
        else:
            raise UnsupportedPatternError(self.text)
        if self.text[self.pos : self.pos + 1] in ("?", "*", "+", "{"):
            raise UnsupportedPatternError(self.text)
        return parts
