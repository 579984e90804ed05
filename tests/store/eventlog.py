"""A fixed event log whose KPIs are computed by hand below (used by store and API tests).

Monday 3 March 2025, Europe/Paris; T0 = 08:00 (HO of the France Travail calendar). Queues
``support`` and ``billing``; agents a1, a2 (support) and b1 (billing).

Calls (caller; seconds after T0):

- c1 (0601): received 0, queued support 5, offered a1 10, answered 15 (wait 10), ended 315
- c2 (0602): received 20, queued support 25, offered a2 80, answered 85 (wait 60), ended 185
- c3 (0603): received 30, queued support 35, abandoned 65 (wait 30)
- c4 (0604): received 40, informed (file 0 "f1") 42, dissuaded 50
- c5 (0605): received 60, informed 62, queued billing 70, offered b1 75, answered 80
  (wait 10), ended 200
- c6 (0606): received 90, hung up in the IVR 100
- c7 (0607): received 100, rejected at billing's door 110 (queue full)
- c8 (0603): received 120, queued support 125, offered a1 320, answered 325 (wait 200),
  ended 425: a redial of c3
- c9 (0609): received 130, queued support 135, overflowed to billing 235 (wait 100), offered
  b1 240, answered 245 (wait 110), ended 300
- c10 (0610): received 140, queued support 145, left to the fallback 445 (max wait, 300)
- c11 (0611): 19:30 (HNO): received, queued support +5, offered a2 +20, answered +25
  (wait 20), ended +85

Agents: all available from T0; a1 on call 15–315 and 325–425; a2 85–185; b1 80–200 and
245–300; a2 on call again for c11.

Overall, calls arriving in [T0, T0+900), counted at T0+900: received 10; offered 7 (c1 c2 c3
c5 c8 c9 c10); answered 5; abandoned 1 (c3); timed out 1 (c10); rejected 1 (c7); dissuaded 1
(c4); lost 3; answered within 40 s: 2 (c1, c5); informed 2 (c4, c5); recovered 1 (c3 by c8);
sum of waits 10+60+10+200+110 = 390; talk 300+100+120+100+55 = 675 over 5 calls; agent time
staffed 3 × 900 = 2700 s, busy 300+100 + 100 + 120+55 = 675 s.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from queues import records as r

T0 = datetime(2025, 3, 3, 8, 0, tzinfo=ZoneInfo("Europe/Paris")).timestamp()
T_HNO = datetime(2025, 3, 3, 19, 30, tzinfo=ZoneInfo("Europe/Paris")).timestamp()
MIDNIGHT = datetime(2025, 3, 3, 0, 0, tzinfo=ZoneInfo("Europe/Paris")).timestamp()


def _t(s: float) -> float:
    return T0 + s


def _agent(at: float, agent: str, state: r.AgentState, queue: str = "", call: str = ""
           ) -> r.AgentStateChanged:
    return r.AgentStateChanged(_t(at), agent, state, "", queue, call)


RECORDS: list[r.Record] = sorted([
    _agent(0, "a1", "available"), _agent(0, "a2", "available"), _agent(0, "b1", "available"),
    r.CallReceived(_t(0), "c1", "0601", "3949"),
    r.CallQueued(_t(5), "c1", "support", 0, "0601"),
    r.CallOffered(_t(10), "c1", "support", "a1"),
    r.CallAnswered(_t(15), "c1", "support", "a1", 10.0),
    _agent(15, "a1", "on_call", "support", "c1"),
    r.CallEnded(_t(315), "c1", "support", "a1", "agent"),
    _agent(315, "a1", "available"),
    r.CallReceived(_t(20), "c2", "0602", "3949"),
    r.CallQueued(_t(25), "c2", "support", 0, "0602"),
    r.CallOffered(_t(80), "c2", "support", "a2"),
    r.CallAnswered(_t(85), "c2", "support", "a2", 60.0),
    _agent(85, "a2", "on_call", "support", "c2"),
    r.CallEnded(_t(185), "c2", "support", "a2", "caller"),
    _agent(185, "a2", "available"),
    r.CallReceived(_t(30), "c3", "0603", "3949"),
    r.CallQueued(_t(35), "c3", "support", 0, "0603"),
    r.CallAbandoned(_t(65), "c3", "support", 30.0),
    r.CallReceived(_t(40), "c4", "0604", "3949"),
    r.CallInformed(_t(42), "c4", "f1"),
    r.CallDissuaded(_t(50), "c4", "f1"),
    r.CallReceived(_t(60), "c5", "0605", "3949"),
    r.CallInformed(_t(62), "c5", "f1"),
    r.CallQueued(_t(70), "c5", "billing", 0, "0605"),
    r.CallOffered(_t(75), "c5", "billing", "b1"),
    r.CallAnswered(_t(80), "c5", "billing", "b1", 10.0),
    _agent(80, "b1", "on_call", "billing", "c5"),
    r.CallEnded(_t(200), "c5", "billing", "b1", "agent"),
    _agent(200, "b1", "available"),
    r.CallReceived(_t(90), "c6", "0606", "3949"),
    r.CallLeftIvr(_t(100), "c6", "hangup"),
    r.CallReceived(_t(100), "c7", "0607", "3949"),
    r.CallRejected(_t(110), "c7", "billing", "queue_full", "hangup"),
    r.CallReceived(_t(120), "c8", "0603", "3949"),
    r.CallQueued(_t(125), "c8", "support", 0, "0603"),
    r.CallOffered(_t(320), "c8", "support", "a1"),
    r.CallAnswered(_t(325), "c8", "support", "a1", 200.0),
    _agent(325, "a1", "on_call", "support", "c8"),
    r.CallEnded(_t(425), "c8", "support", "a1", "agent"),
    _agent(425, "a1", "available"),
    r.CallReceived(_t(130), "c9", "0609", "3949"),
    r.CallQueued(_t(135), "c9", "support", 0, "0609"),
    r.CallOverflowed(_t(235), "c9", "support", "max_wait", "billing", "", 100.0),
    r.CallQueued(_t(235), "c9", "billing", 0, "0609", "support"),
    r.CallOffered(_t(240), "c9", "billing", "b1"),
    r.CallAnswered(_t(245), "c9", "billing", "b1", 110.0),
    _agent(245, "b1", "on_call", "billing", "c9"),
    r.CallEnded(_t(300), "c9", "billing", "b1", "agent"),
    _agent(300, "b1", "available"),
    r.CallReceived(_t(140), "c10", "0610", "3949"),
    r.CallQueued(_t(145), "c10", "support", 0, "0610"),
    r.CallOverflowed(_t(445), "c10", "support", "max_wait", None, "hangup", 300.0),
    r.CallReceived(T_HNO, "c11", "0611", "3949"),
    r.CallQueued(T_HNO + 5, "c11", "support", 0, "0611"),
    r.CallOffered(T_HNO + 20, "c11", "support", "a2"),
    r.CallAnswered(T_HNO + 25, "c11", "support", "a2", 20.0),
    r.AgentStateChanged(T_HNO + 25, "a2", "on_call", "", "support", "c11"),
    r.CallEnded(T_HNO + 85, "c11", "support", "a2", "caller"),
    r.AgentStateChanged(T_HNO + 85, "a2", "available"),
], key=lambda rec: rec.at)

FIRST_WINDOW = (T0, T0 + 900)
#: Hand-computed indicators of FIRST_WINDOW, overall: (numerator, denominator, value).
OVERALL = {
    "T2-IQ01": (2, 7, 2 / 7),
    "T2-IQ02": (1, 7, 1 / 7),
    "T2-IQ03": (5, 10, 0.5),
    "T2-IQ04": (1, 3, 1 / 3),
    "GAS01": (390, 5, 78.0),
    "GAS02": (5, 8, 0.625),
    "GAP02": (3, 10, 0.3),
    "answer_rate": (5, 7, 5 / 7),
    "p_wait": (7, 7, 1.0),
    "occupancy": (675, 2700, 0.25),
    "avg_talk_s": (675, 5, 135.0),
    "calls_offered": (7, None, 7),
}
#: Met / missed for OVERALL (targets: 80 %, 10 %, 85 %, 95 %, 90 s, 90 %, 5 %).
OVERALL_MET = {"T2-IQ01": False, "T2-IQ02": False, "T2-IQ03": False, "T2-IQ04": False,
               "GAS01": True, "GAS02": False, "GAP02": False}
#: Per queue in FIRST_WINDOW. support: c1 c2 c3 c8 c9 c10 reached it; answered there c1 c2
#: c8 (c9 overflowed out); within 40 s: c1; waits 10+60+200. billing: c5 c7 c9 reached it;
#: c7 rejected at the door (not offered); answered c5 c9; within 40 s: c5; waits 10+110.
SUPPORT = {"T2-IQ01": (1, 6, 1 / 6), "T2-IQ02": (1, 6, 1 / 6), "GAS01": (270, 3, 90.0),
           "T2-IQ03": (3, 6, 0.5), "GAP02": (1, 6, 1 / 6)}
BILLING = {"T2-IQ01": (1, 2, 0.5), "T2-IQ02": (0, 2, 0.0), "GAS01": (120, 2, 60.0),
           "T2-IQ03": (2, 3, 2 / 3), "GAS02": (2, 2, 1.0), "GAP02": (1, 3, 1 / 3)}
