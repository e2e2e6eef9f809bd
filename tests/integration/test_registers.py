"""Register snapshots on real SQLite and PostgreSQL stores: import, switch, fail atomically, list."""

from __future__ import annotations

import itertools
import threading
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest

from dialgate.adapters.registers.files import RegisterFiles
from dialgate.adapters.registers.formats import iys_rows
from dialgate.adapters.registers.store import FileRegisterStore
from dialgate.domain.consent import ConsentDraft
from dialgate.domain.iys import IYS_COLUMNS
from dialgate.domain.registry import NO_DATE, day_number
from dialgate.domain.vocabulary import ALL_PURPOSES, Basis, Channel, ConsentStatus, Party, Source
from dialgate.errors import InputError, StoreError
from dialgate.services import brands, consent, iys, registry
from tests.unit.test_register_formats import FullDisk

FIRST = [12025550100 + i for i in range(50)]  # +1 202 555 0100..0149
SECOND = [12025550150 + i for i in range(50)]  # +1 202 555 0150..0199
ALL = np.array(FIRST + SECOND, np.uint64)


def write(tmp_path: Path, name: str, numbers: list[int] | str) -> Path:
    path = tmp_path / name
    text = numbers if isinstance(numbers, str) else "".join(f"{n - 10_000_000_000}\n" for n in numbers)
    path.write_text(text)
    return path


def load(rt, path, name="US-DNC", **options):
    return registry.import_snapshot(rt, registry.SnapshotRequest(name=name, path=path, **options))


def index_files(settings, name="US-DNC"):
    folder = settings.data_dir / "registers" / name
    return sorted(p.name for p in folder.iterdir() if p.name != ".lock")


def test_an_imported_snapshot_is_in_force_and_answers(rt, tmp_path, clock):
    result = load(rt, write(tmp_path, "a.txt", FIRST), as_of=date(2026, 11, 20))
    snapshot = rt.registers.current("US-DNC")
    assert snapshot.info == result.record.info
    assert snapshot.info.count == 50 and snapshot.info.as_of == date(2026, 11, 20)
    assert snapshot.lookup(ALL).member.tolist() == [True] * 50 + [False] * 50
    assert rt.registers.names() == ["US-DNC"]
    (status,) = registry.list_registers(rt)
    assert (status.age_days, status.days_left, status.stale) == (3, 28, False)


def test_a_new_snapshot_replaces_the_old_one_which_is_kept_for_audit(rt, tmp_path, settings):
    old = load(rt, write(tmp_path, "a.txt", FIRST)).record
    new = load(rt, write(tmp_path, "b.txt", SECOND))
    assert new.previous_id == old.info.snapshot_id
    assert rt.registers.current("US-DNC").info.snapshot_id == new.record.info.snapshot_id
    assert [r.info.snapshot_id for r in registry.snapshot_history(rt, "US-DNC")] == [
        old.info.snapshot_id,
        new.record.info.snapshot_id,
    ]
    assert len(index_files(settings)) == 2


def test_a_bad_line_in_the_middle_changes_nothing(rt, tmp_path, settings):
    first = load(rt, write(tmp_path, "a.txt", FIRST)).record
    bad = write(tmp_path, "bad.txt", "2025550150\n2025550151\nnot a number\n2025550153\n")
    with pytest.raises(InputError) as info:
        load(rt, bad)
    assert (info.value.location.file, info.value.location.line) == (str(bad), 3)
    assert rt.registers.current("US-DNC").info.snapshot_id == first.info.snapshot_id
    assert index_files(settings) == [Path(first.index_path).name]
    assert len(registry.snapshot_history(rt, "US-DNC")) == 1


def test_a_full_disk_changes_nothing_and_leaves_no_files(rt, tmp_path, settings):
    first = load(rt, write(tmp_path, "a.txt", FIRST)).record
    rt.register_files = RegisterFiles(settings.data_dir, opener=FullDisk(room=64))
    with pytest.raises(StoreError, match="disk filled up"):
        load(rt, write(tmp_path, "b.txt", SECOND))
    assert rt.registers.current("US-DNC").info.snapshot_id == first.info.snapshot_id
    assert index_files(settings) == [Path(first.index_path).name]


def test_a_change_list_applies_to_the_latest_snapshot(rt, tmp_path):
    base = load(rt, write(tmp_path, "full.txt", FIRST), format="ftc").record
    changes = "202,5550100,D\n2025550150,A,2026-11-22\n202,5550151,a\n2025550101,D\n2025550101,A\n"
    result = load(rt, write(tmp_path, "changes.txt", changes), format="ftc", change_list=True)
    assert result.record.base_snapshot_id == base.info.snapshot_id
    assert (result.added, result.removed, result.record.info.count) == (2, 1, 51)
    hits = rt.registers.current("US-DNC").lookup(
        np.array([12025550100, 12025550101, 12025550150, 12025550151, 12025550152], np.uint64)
    )
    assert hits.member.tolist() == [False, True, True, True, False]


def test_a_change_list_needs_a_snapshot_to_apply_to(rt, tmp_path):
    with pytest.raises(InputError, match="full list before a change list"):
        load(rt, write(tmp_path, "changes.txt", "2025550150,A\n"), format="ftc", change_list=True)


def test_listing_dates_travel_with_the_snapshot(rt, tmp_path):
    path = write(tmp_path, "tps.csv", "number,listed_on\n07700900123,2026-10-01\n07700900124,\n")
    result = load(rt, path, name="UK-TPS", format="csv", listing_date_column="listed_on")
    assert result.record.info.has_listing_dates and result.record.region == "GB"
    hits = rt.registers.current("UK-TPS").lookup(np.array([447700900123, 447700900124], np.uint64))
    assert hits.listed_on.tolist() == [day_number(date(2026, 10, 1)), NO_DATE]


def test_flags_that_do_not_fit_the_format_are_refused(rt, tmp_path):
    path = write(tmp_path, "a.txt", FIRST)
    with pytest.raises(InputError, match="--column applies to --format csv"):
        load(rt, path, column="phone")
    with pytest.raises(InputError, match="--change-list applies to --format ftc"):
        load(rt, path, change_list=True)
    with pytest.raises(InputError, match="not a valid format"):
        load(rt, path, format="xml")
    with pytest.raises(InputError, match="future"):
        load(rt, path, as_of=date(2027, 1, 1))


def test_every_lookup_answers_from_one_snapshot_while_another_is_switched_in(rt, tmp_path):
    first = load(rt, write(tmp_path, "a.txt", FIRST)).record.info.snapshot_id
    expected = {first: [True] * 50 + [False] * 50}
    stop = threading.Event()
    seen: dict[str, int] = {}
    failures: list[str] = []

    def lookups() -> None:
        while not stop.is_set():
            snapshot = rt.registers.current("US-DNC")
            answer = snapshot.lookup(ALL).member.tolist()
            snapshot_id = snapshot.info.snapshot_id
            if snapshot_id in expected and answer != expected[snapshot_id]:
                failures.append(snapshot_id)
            seen[snapshot_id] = seen.get(snapshot_id, 0) + 1

    worker = threading.Thread(target=lookups)
    worker.start()
    try:
        for round_ in range(4):
            numbers = SECOND if round_ % 2 == 0 else FIRST
            result = load(rt, write(tmp_path, f"r{round_}.txt", numbers))
            pattern = [n in numbers for n in ALL.tolist()]
            expected[result.record.info.snapshot_id] = pattern
            assert rt.registers.current("US-DNC").lookup(ALL).member.tolist() == pattern
    finally:
        stop.set()
        worker.join(30)
    assert not failures
    assert set(seen) <= set(expected) and len(seen) >= 2


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_another_process_sees_a_switch_within_its_refresh_delay(rt, tmp_path, settings):
    load(rt, write(tmp_path, "a.txt", FIRST))
    ticks = Ticks()
    files = RegisterFiles(settings.data_dir)
    elsewhere = FileRegisterStore(rt.uow, files.open_index, refresh_seconds=0.5, monotonic=ticks)
    before = elsewhere.current("US-DNC").info.snapshot_id
    after = load(rt, write(tmp_path, "b.txt", SECOND)).record.info.snapshot_id
    ticks.now = 0.4
    assert elsewhere.current("US-DNC").info.snapshot_id == before
    ticks.now = 0.5
    assert elsewhere.current("US-DNC").info.snapshot_id == after
    assert elsewhere.current("UK-TPS") is None


IYS_HEADER = "creationDate,transactionId,recipient,recipientType,type,status,consentDate,source\n"


def iys_file(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "iys.csv"
    path.write_text(IYS_HEADER + "".join(r + "\n" for r in rows))
    return path


def import_iys(rt, path: Path):
    return iys.import_iys(rt, lambda: iys_rows(path, str(path), IYS_COLUMNS), brand="enercom", file=str(path))


def test_an_iys_movement_file_feeds_the_brands_ledger(rt, tmp_path):
    brands.add_brand(rt, "enercom")
    path = iys_file(
        tmp_path,
        "2026-11-20 09:05:00,T1,+905100000100,BIREYSEL,ARAMA,ONAY,2026-11-20 09:00:00,HS_WEB",
        "2026-11-20 09:06:00,T2,+905100000100,BIREYSEL,MESAJ,ONAY,2026-11-20 09:00:00,HS_WEB",
        "2026-11-20 09:07:00,T3,person@example.com,BIREYSEL,EPOSTA,ONAY,2026-11-20 09:00:00,HS_WEB",
        "2026-11-21 10:00:00,T4,+905100000100,BIREYSEL,ARAMA,RET,2026-11-21 09:59:00,IYS_WEB",
        "2026-11-21 10:00:00,T5,+902120000101,TACIR,ARAMA,ONAY,,",
    )
    report = import_iys(rt, path)
    assert (report.accepted, report.skipped_email, report.skipped_duplicate) == (4, 1, 0)
    view = consent.show_consent(rt, "enercom", "+905100000100")
    assert [(e.channel, e.status, e.source, e.purpose) for e in view.history] == [
        ("call", "granted", Source.REGISTRY, "all"),
        ("sms", "granted", Source.REGISTRY, "all"),
        ("call", "revoked", Source.REGISTRY, "all"),
    ]
    assert view.history[0].evidence_uri == "iys:transaction/T1"
    assert str(view.history[0].captured_at) == "2026-11-20 06:00:00+00:00"
    again = import_iys(rt, path)
    assert (again.accepted, again.skipped_duplicate) == (0, 4)


def test_an_iys_row_that_breaks_a_rule_stops_the_whole_file(rt, tmp_path):
    brands.add_brand(rt, "enercom")
    path = iys_file(
        tmp_path,
        "2026-11-20 09:05:00,T1,+905100000100,BIREYSEL,ARAMA,ONAY,2026-11-20 09:00:00,HS_WEB",
        "2026-11-20 09:06:00,T2,+905100000100,BIREYSEL,ARAMA,ONAY,2026-11-20 10:00:00,HS_WEB",
    )
    with pytest.raises(InputError, match="ONAY after ONAY") as info:
        import_iys(rt, path)
    assert info.value.location.line == 3
    assert consent.show_consent(rt, "enercom", "+905100000100").history == []


def test_a_refusal_of_a_consent_older_than_the_ledger_is_taken(rt, tmp_path):
    # a movement file covers recent days only: the ONAY this RET refuses predates what dialgate holds
    brands.add_brand(rt, "enercom")
    path = iys_file(
        tmp_path,
        "2026-11-20 09:05:00,T1,+905100000100,BIREYSEL,ARAMA,RET,2026-11-20 09:00:00,IYS_WEB",
        "2026-11-20 09:06:00,T2,+905100000101,BIREYSEL,ARAMA,ONAY,2026-11-20 09:00:00,HS_WEB",
    )
    assert import_iys(rt, path).accepted == 2
    (state,) = consent.show_consent(rt, "enercom", "+905100000100").state.values()
    assert state.status == "revoked"


def test_an_iys_record_older_than_the_ledgers_is_refused(rt, tmp_path):
    brands.add_brand(rt, "enercom")
    import_iys(rt, iys_file(tmp_path, "x,T1,+905100000100,BIREYSEL,ARAMA,ONAY,2026-11-20 09:00:00,HS_WEB"))
    with pytest.raises(InputError, match="not later"):
        import_iys(rt, iys_file(tmp_path, "x,T2,+905100000100,BIREYSEL,ARAMA,RET,2026-11-19 09:00:00,HS_WEB"))


def test_an_iys_file_missing_its_columns_is_refused(rt, tmp_path):
    brands.add_brand(rt, "enercom")
    path = tmp_path / "wrong.csv"
    path.write_text("number\n+905100000100\n")
    with pytest.raises(InputError, match="not an İYS movement file"):
        import_iys(rt, path)


def test_staleness_counts_from_the_as_of_date(rt, tmp_path, clock):
    load(rt, write(tmp_path, "a.txt", FIRST), name="IT-RPO-TEST", region="US")
    load(rt, write(tmp_path, "b.txt", "3100000100\n"), name="IT-RPO")
    clock.advance(days=16)
    status = {s.record.info.name: s for s in registry.list_registers(rt)}
    assert status["IT-RPO"].stale and status["IT-RPO"].days_left == -1
    assert status["IT-RPO-TEST"].days_left is None and not status["IT-RPO-TEST"].stale
    assert status["IT-RPO"].record.info.as_of == clock.now().date() - timedelta(days=16)


def _movement(number: str, status: str = "ONAY", consent: str = "2026-11-20 09:00:00") -> str:
    """One İYS record with a transactionId of its own (a repeated one is skipped as already imported)."""
    return f"2026-11-20 09:05:00,T{next(_TRANSACTIONS)},{number},BIREYSEL,ARAMA,{status},{consent},HS_WEB"


_TRANSACTIONS = itertools.count(1000)


def _mobile(i: int) -> str:
    return f"+90510{i:07d}"


def test_a_long_iys_file_is_checked_row_by_row_against_the_ledger_whatever_its_length(
    rt, tmp_path, number_tables_dir
):
    """Past the rows read ahead at once (iys.LOOKUP_ROWS) and with bulk parsing on: the ledger's earlier
    records and the file's own earlier rows bind each row, and the first bad row is the one reported."""
    from dialgate.adapters.files.number_tables_cache import CachedNumberTables

    rt.number_tables = CachedNumberTables(number_tables_dir)
    brands.add_brand(rt, "enercom")
    rows = iys.LOOKUP_ROWS + 200
    first = [_movement(_mobile(i)) for i in range(rows)]
    assert import_iys(rt, iys_file(tmp_path, *first)).accepted == rows

    # Each number's consent is in the ledger; its refusal may follow it, anywhere in the file.
    later = [_movement(_mobile(i), "RET", "2026-11-21 09:00:00") for i in range(rows)]
    broken = list(later)
    past = iys.LOOKUP_ROWS
    broken[past + 10] = _movement(_mobile(7), "ONAY", "2026-11-21 09:30:00")  # fine: after row 7's RET
    broken[past + 20] = _movement("+90 510 abc", "ONAY", "2026-11-21 09:40:00")  # no phone number
    broken[past + 30] = _movement(_mobile(8), "ONAY", "2026-11-20 08:00:00")  # older than row 8's RET
    with pytest.raises(InputError) as info:
        import_iys(rt, iys_file(tmp_path, *broken))
    assert info.value.location.line == past + 22  # the header is line 1
    broken[past + 20] = later[past + 20]
    with pytest.raises(InputError, match="not later") as info:
        import_iys(rt, iys_file(tmp_path, *broken))
    assert info.value.location.line == past + 32
    # Nothing of a refused file was appended.
    assert [e.status for e in consent.show_consent(rt, "enercom", _mobile(7)).history] == ["granted"]
    # A refusal repeated later in the file (after the ledger's own history was read) changes nothing: refused.
    double = [*later, _movement(_mobile(3), "RET", "2026-11-21 10:00:00")]
    with pytest.raises(InputError, match="RET after RET") as info:
        import_iys(rt, iys_file(tmp_path, *double))
    assert info.value.location.line == rows + 2
    assert import_iys(rt, iys_file(tmp_path, *later)).accepted == rows


def test_a_numbers_consent_events_are_read_for_many_numbers_at_once(rt):
    brands.add_brand(rt, "enercom")
    numbers = [_mobile(i) for i in range(1200)]  # past one IN (...) list
    drafts = [
        ConsentDraft(
            brand="enercom",
            number=n,
            channel=Channel.CALL,
            purpose=ALL_PURPOSES,
            status=status,
            basis=Basis.CONSENT,
            party=Party.CONSUMER,
            source=source,
            captured_at=rt.clock.now(),
        )
        for n in numbers[::3]
        for status, source in (
            (ConsentStatus.GRANTED, Source.REGISTRY),
            (ConsentStatus.REVOKED, Source.API),
            (ConsentStatus.REVOKED, Source.REGISTRY),
        )
    ]
    consent.record_consents(rt, drafts)
    with rt.uow() as uow:
        every = uow.consents.for_numbers("enercom", numbers)
        registry_only = uow.consents.for_numbers("enercom", numbers, source=Source.REGISTRY)
        one = uow.consents.for_number("enercom", numbers[3])
    assert sorted(every) == sorted(numbers[::3])
    assert every[numbers[3]] == one  # the same events, in ledger order
    assert [(e.status, e.source) for e in registry_only[numbers[1194]]] == [
        ("granted", Source.REGISTRY),
        ("revoked", Source.REGISTRY),
    ]


def test_a_rule_broken_before_the_file_itself_breaks_is_the_error_reported(rt, tmp_path):
    """The rows are read ahead; a line that cannot be read (another encoding) further on does not hide
    an earlier row's error, and is itself reported when every row before it is fine."""
    brands.add_brand(rt, "enercom")
    good = [_movement(_mobile(i)) for i in range(40)]
    repeated = _movement(_mobile(3), "ONAY", "2026-11-20 10:00:00")  # ONAY after ONAY
    path = tmp_path / "iys.csv"
    broken = "2026-11-20 09:05:00,T9,+905100000999,BIREYSEL,ARAMA,ONAY,2026-11-20 09:00:00,Zoë\n"
    path.write_bytes(
        (IYS_HEADER + "".join(r + "\n" for r in [*good, repeated])).encode() + broken.encode("latin-1")
    )
    with pytest.raises(InputError, match="ONAY after ONAY") as info:
        import_iys(rt, path)
    assert info.value.location.line == 42
    path.write_bytes((IYS_HEADER + "".join(r + "\n" for r in good)).encode() + broken.encode("latin-1"))
    with pytest.raises(InputError, match=r"encoding|byte") as info:
        import_iys(rt, path)
    assert info.value.location.line == 42
    assert consent.show_consent(rt, "enercom", _mobile(3)).history == []
