"""The ledger's hash is a stored fact: chains sealed by one release must verify under every later one.
This pins one event's hash, computed once and never recomputed, so that a change in serialisation
(key order, escaping, instant format) is caught here rather than by `ledger verify` on a customer's data."""

from datetime import UTC, datetime

from dialgate.domain.consent import ConsentDraft, seal
from dialgate.domain.vocabulary import Basis, Channel, ConsentStatus, Party, Source


def test_the_hash_of_a_known_event_never_changes():
    draft = ConsentDraft(
        brand="acme",
        number="+33639980012",
        channel=Channel.CALL,
        purpose="marketing",
        status=ConsentStatus.GRANTED,
        basis=Basis.CONSENT,
        party=Party.CONSUMER,
        source=Source.WEB,
        captured_at=datetime(2026, 1, 5, 10, 0, 0, 250000, tzinfo=UTC),
        expires_at=datetime(2027, 1, 5, 11, 0, tzinfo=UTC),
        actor_agent='Zoë "agent" 7',
        note="İYS onayı\nligne 2\t\u2028 — 😀 \x01",
        evidence_uri="https://forms.example/é?a=1&b=/x",
    )
    event = seal(draft, seq=42, prev_hash="ab" * 32, recorded_at=datetime(2026, 11, 22, 12, 0, tzinfo=UTC))
    assert event.hash == "8f158578e4dfdddcd2a29c2e80743209511c517718806fef1b68f53cef05576d"


def test_the_feed_form_of_a_sealed_event_is_its_to_dict():
    from dialgate.domain.consent import seal_with_wire

    draft = ConsentDraft(
        brand="acme", number="+33639980012", channel=Channel.CALL, purpose="marketing",
        status=ConsentStatus.REVOKED, basis=Basis.CONSENT, party=Party.CONSUMER, source=Source.AGENT,
        captured_at=datetime(2026, 3, 1, 9, 0, tzinfo=UTC), expires_at=datetime(2027, 3, 1, tzinfo=UTC),
        actor_agent="agent 7", actor_vendor="vendor-a", evidence_sha256="ef" * 32,
        evidence_uri="https://forms.example/1", notice_version="v3", note="every field set, each distinct",
    )  # fmt: skip
    event, wire = seal_with_wire(
        draft, seq=7, prev_hash="cd" * 32, recorded_at=datetime(2026, 3, 1, 9, 1, tzinfo=UTC)
    )
    assert list(wire.items()) == list(event.to_dict().items())  # same keys, values and order
