"""The drill's clients: bookers racing for slots over two web instances, bookers cancelling, and
two manager sessions (one per instance) deciding the same approval requests at the same time."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import requests

HOUR = dt.timedelta(hours=1)
GROUPS = 8  # contested slots per round, each wanted by CONTENDERS bookers
CONTENDERS = 3  # their slots are offset by 15 min: all overlap, none is identical to another
SOLOS = 16  # slots per round that one booker wants alone
ROUNDS = 3
BOOKERS = GROUPS * CONTENDERS + SOLOS  # 40 threads


@dataclass(frozen=True)
class Attempt:
    booker: int
    round: int
    slot: str  # "g<group>" (contested) or "s<solo>"
    start: dt.datetime
    status: int
    booking_id: int | None


@dataclass
class Tally:
    """What the clients saw: every answer, the attempts, cancellations and decisions."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    answers: Counter = field(default_factory=Counter)  # (method, status) -> count
    per_instance: Counter = field(default_factory=Counter)
    attempts: list[Attempt] = field(default_factory=list)
    cancels: dict[int, int] = field(default_factory=dict)  # booking id -> status
    decisions: list[tuple[int, str, int]] = field(default_factory=list)  # (booking, ..., status)
    # Bookings of a round whose every POST has returned: the managers decide only these, so a
    # denial never frees a slot while its contenders are still racing for it.
    settled: set[int] = field(default_factory=set)
    round_answers: Counter = field(default_factory=Counter)
    created_in_round: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))

    def record(self, base: str, method: str, status: int) -> None:
        with self.lock:
            self.answers[(method, status)] += 1
            self.per_instance[base] += 1

    @property
    def requests(self) -> int:
        return sum(self.answers.values())


class Client:
    def __init__(self, base: str, token: str, tally: Tally) -> None:
        self.base, self.tally = base, tally
        self.session = requests.Session()
        self.session.headers.update(
            {"Authorization": f"Token {token}", "Accept": "application/json"}
        )

    def call(self, method: str, path: str, **kwargs) -> requests.Response:
        answer = self.session.request(method, f"{self.base}{path}", timeout=60, **kwargs)
        self.tally.record(self.base, method, answer.status_code)
        assert answer.status_code < 500, (
            f"{method} {path}: {answer.status_code} {answer.text[:300]}"
        )
        return answer


def plan(base_day: dt.datetime, contested_room: int, solo_room: int) -> dict[int, list[dict]]:
    """Booker index -> the booking request of each round. Contested groups sit 2 h apart in one
    room; solos are back to back in another room."""
    plans: dict[int, list[dict]] = {b: [] for b in range(BOOKERS)}
    for rnd in range(ROUNDS):
        day = base_day + dt.timedelta(days=rnd)
        for group in range(GROUPS):
            for k in range(CONTENDERS):
                start = day + 2 * HOUR * group + dt.timedelta(minutes=15 * k)
                plans[group * CONTENDERS + k].append(
                    {"room": contested_room, "slot": f"g{group}", "start": start}
                )
        for solo in range(SOLOS):
            start = day + HOUR * solo
            plans[GROUPS * CONTENDERS + solo].append(
                {"room": solo_room, "slot": f"s{solo}", "start": start}
            )
    return plans


def run_bookers(
    *, bases: list[str], tokens: list[str], plans: dict[int, list[dict]], tally: Tally
) -> None:
    """Each round starts for every booker at once (a barrier), so the contenders race. Every
    fourth booker then cancels their first booking of an earlier round (never one whose slot is
    still being raced for), while the managers are deciding."""
    barrier = threading.Barrier(BOOKERS)

    def booker(index: int) -> None:
        client = Client(bases[index % len(bases)], tokens[index], tally)
        client.call("GET", "/rooms")  # open the connection before the race
        mine = []
        for rnd, wanted in enumerate(plans[index]):
            body = {
                "roomId": wanted["room"],
                "useStartDtm": wanted["start"].isoformat(),
                "useEndDtm": (wanted["start"] + HOUR).isoformat(),
            }
            barrier.wait(timeout=60)
            answer = client.call("POST", "/bookings", json=body)
            assert answer.status_code in (201, 409), answer.text[:300]
            booking_id = answer.json()["id"] if answer.status_code == 201 else None
            attempt = Attempt(
                index, rnd, wanted["slot"], wanted["start"], answer.status_code, booking_id
            )
            with tally.lock:
                tally.attempts.append(attempt)
                if booking_id:
                    tally.created_in_round[rnd].append(booking_id)
                tally.round_answers[rnd] += 1
                if tally.round_answers[rnd] == BOOKERS:
                    tally.settled.update(tally.created_in_round[rnd])
            if booking_id and rnd < ROUNDS - 1:  # a finished race: every booker is past it
                mine.append(booking_id)
        if index % 4 == 0 and mine:
            answer = client.call("DELETE", f"/bookings/{mine[0]}")
            with tally.lock:
                tally.cancels[mine[0]] = answer.status_code

    with ThreadPoolExecutor(BOOKERS) as pool:
        for future in [pool.submit(booker, i) for i in range(BOOKERS)]:
            future.result(timeout=300)


def decision_for(booking_id: int) -> str | None:
    """The managers approve most requests, deny every third and leave every fifth undecided."""
    if booking_id % 5 == 4:
        return None
    return "DENIED" if booking_id % 3 == 0 else "CONFIRMED"


def run_manager(
    *, base: str, token: str, tally: Tally, bookers_done: threading.Event, deadline: float
) -> None:
    """Decide every pending request that ``decision_for`` decides, until the bookers are done
    and none is left. The other manager session decides the same ones: the loser of each race
    gets 409 (already decided) or 404 (the booking was cancelled meanwhile)."""
    client = Client(base, token, tally)
    while time.monotonic() < deadline:
        finished = bookers_done.is_set()  # read before listing: nothing new comes after it
        page = client.call("GET", "/confirms?status=BOOKED&ordering=id&page_size=100").json()
        with tally.lock:
            settled = set(tally.settled)
        pending = [
            r for r in page["results"] if decision_for(r["bookingId"]) and r["bookingId"] in settled
        ]
        if not pending and finished and page["count"] == len(page["results"]):
            return
        for request in pending:
            decision = decision_for(request["bookingId"])
            body = {
                "status": decision,
                **({"reason": "Room closed"} if decision == "DENIED" else {}),
            }
            answer = client.call("PATCH", f"/confirms/{request['id']}", json=body)
            assert answer.status_code in (200, 404, 409), answer.text[:300]
            with tally.lock:
                tally.decisions.append((request["bookingId"], decision, answer.status_code))
        if not pending:
            time.sleep(0.1)
    raise AssertionError("the managers did not finish deciding in time")
