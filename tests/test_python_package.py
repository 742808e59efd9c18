#!/usr/bin/python3
"""The Python package in clients/python against the real hrwatchd: its
classes generated with `python3 -m hrwatch.build` into a temp dir, then
Publisher (acks counted, duplicates, a rejected event's reason, a batch
refused whole, BUSY sent again, batches kept in order across a daemon
that goes away), Subscriber (catch-up from 0, then live,
each alert once) and Client (status, unit, position, alerts, errors); then
over tcp:// with CURVE keys."""

import argparse
import faulthandler
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

ARGS = None
hrwatch = None


def event(event_id, when="2025-01-01T00:00:00Z", **body):
    d = {"eventId": event_id, "occurredAt": when, "source": "py-package"}
    d.update(body)
    return d


PB_TMP = None


def setUpModule():
    global hrwatch, PB_TMP
    PB_TMP = tempfile.mkdtemp(prefix="hrwatch-pkg-pb-")
    pkg = os.path.join(ARGS.source, "clients", "python")
    # The build step, as an integrator runs it (into a temp dir here, so
    # the source tree stays clean).
    subprocess.run([sys.executable, "-m", "hrwatch.build", "--proto",
                    os.path.join(ARGS.source, "proto"), "--out", PB_TMP],
                   check=True, cwd=pkg, stdout=subprocess.DEVNULL)
    os.environ["HRWATCH_PB_DIR"] = PB_TMP
    sys.path.insert(0, pkg)
    import hrwatch as h
    hrwatch = h


def tearDownModule():
    shutil.rmtree(PB_TMP)



def router(endpoint):
    """A ROUTER socket bound on endpoint, playing the daemon's side."""
    import zmq
    sock = zmq.Context.instance().socket(zmq.ROUTER)
    sock.setsockopt(zmq.LINGER, 0)
    sock.bind(endpoint)
    return sock


def wait_until_up(client, seconds=10):
    """Asks client for the status until the daemon answers (or raises)."""
    deadline = time.time() + seconds
    while True:
        try:
            client.status()
            return
        except hrwatch.TimeoutError:
            if time.time() > deadline:
                raise

class PythonPackage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="hrwatch-pkg-")
        cls.ingest = f"ipc://{cls.tmp}/ingest.sock"
        cls.control = f"ipc://{cls.tmp}/control.sock"
        cls.alerts_ep = f"ipc://{cls.tmp}/alerts.sock"
        conf = os.path.join(cls.tmp, "hrwatchd.conf")
        with open(conf, "w") as f:
            f.write(f"[store]\npath = {cls.tmp}/state\n\n[ingest]\nendpoint = {cls.ingest}\n"
                    f"push_endpoint =\nmax_batch_events = 50\nclient_batches_max = 2\ngroup_max_frames = 4\n\n[control]\nendpoint = {cls.control}\n\n"
                    f"[alerts]\nendpoint = {cls.alerts_ep}\n\n[metrics]\nlisten =\n")
        cls.daemon = subprocess.Popen([os.path.join(ARGS.bin, "hrwatchd"), "--foreground",
                                       "--config", conf], stderr=subprocess.DEVNULL)
        cls.client = hrwatch.Client(cls.control, timeout=1)
        wait_until_up(cls.client)
        cls.client.timeout = 10
        cls.seed()

    @classmethod
    def seed(cls):
        """A unit, a person, a critical position with no successor (a
        succession gap), then the clock moved to them."""
        with hrwatch.Publisher(cls.ingest, batch_size=2, window=2, timeout=20) as pub:
            cls.first = pub.publish([
                event("u1", orgUnitDefined={"unitId": "ops", "name": "Operations"}),
                event("h1", hire={"employeeId": "E-1", "unitId": "ops", "positionId": "P-1"}),
                event("p1", positionDefined={"positionId": "P-1", "unitId": "ops",
                                             "title": "Head", "critical": True,
                                             "incumbentId": "E-1"}),
            ])
        cls.client.advance()

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        cls.daemon.terminate()
        assert cls.daemon.wait(10) == 0
        shutil.rmtree(cls.tmp)

    def test_1_batches_are_acknowledged(self):
        r = self.first
        self.assertEqual((r.accepted, r.duplicate, r.rejected), (3, 0, 0))
        self.assertEqual(r.batches, 2)  # batch_size 2: two batches, both acked

    def test_2_republish_is_duplicate(self):
        from hrwatch.v1 import events_pb2 as pb
        ev = pb.Event(event_id="u1", source="py-package")
        ev.occurred_at.FromJsonString("2025-01-01T00:00:00Z")
        ev.org_unit_defined.unit_id = "ops"
        ev.org_unit_defined.name = "Operations"
        with hrwatch.Publisher(self.ingest) as pub:
            r = pub.publish([ev, event("h1", hire={"employeeId": "E-1", "unitId": "ops",
                                                   "positionId": "P-1"})])
        self.assertEqual((r.accepted, r.duplicate, r.rejected), (0, 2, 0))

    def test_3_rejected_event_has_its_reason(self):
        with hrwatch.Publisher(self.ingest) as pub:
            pub.send([event("x1", exit={"employeeId": "E-9", "type": "EXIT_TYPE_VOLUNTARY"}),
                      event("bad-1", surveyResponse={"surveyCycleId": "c1", "unitId": "ops",
                                                     "engagement": 9})])
            r = pub.flush()
        self.assertEqual((r.accepted, r.duplicate, r.rejected), (1, 0, 1))
        [rej] = r.rejections
        self.assertEqual(rej.event_id, "bad-1")
        self.assertEqual(rej.reason, "REASON_OUT_OF_RANGE")
        self.assertIn("engagement", rej.message)

    def test_4_batch_refused_whole_raises(self):
        with self.assertRaises(hrwatch.RejectedError) as cm:
            # Over [ingest] max_batch_events (50 here): refused whole.
            with hrwatch.Publisher(self.ingest, batch_size=60) as pub:
                pub.publish([event(f"never-{i}", orgUnitDefined={"unitId": "x"})
                             for i in range(60)])
        self.assertEqual(cm.exception.reason, "REASON_TOO_LARGE")
        self.assertEqual(list(cm.exception.unsettled), [f"never-{i}" for i in range(60)])
        self.assertEqual(cm.exception.code, 5)
        self.assertTrue(cm.exception.message)
        self.assertTrue(cm.exception.batch_id)
        self.assertEqual(self.client.position("P-1").position_id, "P-1")
        with self.assertRaises(hrwatch.ControlError):
            self.client.unit("x")  # nothing of it was applied

    def test_4b_busy_is_sent_again(self):
        # client_batches_max is 2 and group_max_frames 4 here: batches over
        # a client's share of a group wait for the next, but past the 4 the
        # daemon holds they are answered BUSY, and sent again until all are
        # in. How many arrive together depends on the cores, so a few
        # rounds are given to see one BUSY.
        busy = 0
        for n in range(5):
            events = [event(f"busy-{n}-{i}", hire={"employeeId": f"E-b{n}-{i}",
                                                   "unitId": "busy"})
                      for i in range(1000)]
            with hrwatch.Publisher(self.ingest, batch_size=10, window=32) as pub:
                r = pub.publish(events)
            self.assertEqual((r.accepted, r.duplicate, r.rejected), (1000, 0, 0))
            self.assertEqual(r.batches, 100)
            self.assertGreaterEqual(r.resends, r.unavailable)
            busy += r.unavailable
            if busy:
                break
        self.assertGreater(busy, 0, "never BUSY: the BUSY path was not exercised")

    def test_4c_batches_are_cut_by_bytes(self):
        # 30 events of 200 KB in one batch of 40 would be a 6 MB frame,
        # which hrwatchd drops unanswered: cut under 4 MiB, each batch is
        # answered (each event rejected on its own, over 64 KiB).
        big = [event(f"big-{i}", orgUnitDefined={"unitId": "big", "name": "x" * 200000})
               for i in range(30)]
        with hrwatch.Publisher(self.ingest, batch_size=40, timeout=10) as pub:
            r = pub.publish(big)
        self.assertEqual((r.accepted, r.rejected), (0, 30))
        self.assertGreaterEqual(r.batches, 2)
        self.assertEqual({x.reason for x in r.rejections}, {"REASON_TOO_LARGE"})
        # An event that alone does not fit: refused before anything is sent.
        with hrwatch.Publisher(self.ingest, max_batch_bytes=1000) as pub:
            with self.assertRaises(hrwatch.EventError) as cm:
                pub.send([event("huge-1", orgUnitDefined={"unitId": "h", "name": "y" * 2000})])
            self.assertEqual((cm.exception.reason, cm.exception.event_id),
                             ("REASON_TOO_LARGE", "huge-1"))
            self.assertEqual(pub.flush().batches, 0)

    def test_5_a_dict_that_is_no_event(self):
        with hrwatch.Publisher(self.ingest) as pub:
            with self.assertRaises(hrwatch.EventError) as cm:
                pub.send([{"eventId": "e", "noSuchField": 1}])
        self.assertEqual((cm.exception.reason, cm.exception.event_id), ("REASON_MALFORMED", "e"))
        self.assertIsInstance(cm.exception, ValueError)

    def test_5b_a_bad_event_refuses_the_whole_call(self):
        with hrwatch.Publisher(self.ingest, batch_size=500) as pub:
            with self.assertRaises(hrwatch.EventError):
                pub.send([event("whole-1", orgUnitDefined={"unitId": "whole1"}),
                          event("whole-2", orgUnitDefined={"unitId": "whole2"}),
                          {"eventId": "whole-3", "noSuchField": 1}])
            r = pub.flush()  # nothing of that call was kept for it
        self.assertEqual((r.batches, r.accepted), (0, 0))
        with self.assertRaises(hrwatch.ControlError):
            self.client.unit("whole1")

    def test_5c_an_exception_waits_for_batches_in_flight(self):
        # Two batches sent (in flight), one event only buffered, then an
        # exception: the sent ones are waited for and applied, the buffered
        # one is not sent, and the block's exception is what comes out.
        with self.assertRaises(KeyError):
            with hrwatch.Publisher(self.ingest, batch_size=2, window=4, timeout=10) as pub:
                pub.send([event(f"exc-{i}", orgUnitDefined={"unitId": f"exc{i}"})
                          for i in range(4)])
                pub.send([event("exc-4", orgUnitDefined={"unitId": "exc4"})])
                raise KeyError("in the block")
        for i in range(4):
            self.assertEqual(self.client.unit(f"exc{i}").unit_id, f"exc{i}")
        with self.assertRaises(hrwatch.ControlError):
            self.client.unit("exc4")

    def test_6_subscribe_catches_up_then_live(self):
        with hrwatch.Subscriber(self.alerts_ep, self.control, after=0,
                                prefix="succession_gap/") as sub:
            first = sub.receive(timeout=10)
            self.assertIsNotNone(first, "no alert from the catch-up")
            self.assertEqual(first.topic, "succession_gap/ops/P-1")
            self.assertEqual(first.subject, "P-1")
            self.assertEqual(hrwatch.v1.alerts_pb2.AlertKind.Name(first.kind),
                             "ALERT_KIND_SUCCESSION_GAP")
            seen = [first.seq]
            # Live: a second critical position without a successor, heard
            # on the PUB socket (no quiet spell comes to ask the log).
            sub.quiet = 60
            with hrwatch.Publisher(self.ingest) as pub:
                pub.publish([event("p2", "2025-01-02T00:00:00Z",
                                   positionDefined={"positionId": "P-2", "unitId": "ops",
                                                    "critical": True})])
            self.client.advance()
            live = sub.receive(timeout=10)
            self.assertIsNotNone(live, "no live alert")
            self.assertEqual(live.subject, "P-2")
            seen.append(live.seq)
            # Each once: nothing more comes, though the log is asked again.
            sub.quiet = 0.2
            self.assertIsNone(sub.receive(timeout=1))
            self.assertEqual(sorted(set(seen)), seen)
            resume = sub.last_seq
        # Resuming after the last one processed gives nothing again; from
        # before it, that one again (as a dict this time).
        with hrwatch.Subscriber(self.alerts_ep, self.control, after=resume,
                                prefix="succession_gap/") as sub:
            self.assertIsNone(sub.receive(timeout=0.5))
        with hrwatch.Subscriber(self.alerts_ep, self.control, after=seen[1] - 1,
                                prefix="succession_gap/", as_dict=True) as sub:
            d = sub.receive(timeout=5)
            self.assertEqual((d["subject"], d["kind"]), ("P-2", "ALERT_KIND_SUCCESSION_GAP"))

    def test_7_queries(self):
        st = self.client.status()
        self.assertGreaterEqual(st.events_accepted, 3)
        self.assertGreaterEqual(st.critical_positions, 1)
        unit = self.client.unit("ops")
        self.assertEqual(unit.unit_id, "ops")
        self.assertEqual(unit.name, "Operations")
        self.assertGreaterEqual(unit.headcount, 1)
        pos = self.client.position("P-1")
        self.assertEqual((pos.position_id, pos.incumbent_id, pos.critical, pos.gap),
                         ("P-1", "E-1", True, True))
        firing = self.client.alerts("succession_gap/ops/P-1")
        self.assertEqual([a.subject for a in firing], ["P-1"])
        self.assertEqual(self.client.alerts("turnover_spike/"), [])
        as_dict = hrwatch.Client(self.control, as_dict=True)
        try:
            self.assertEqual(as_dict.position("P-1")["positionId"], "P-1")
            self.assertEqual(as_dict.unit("ops")["unitId"], "ops")
        finally:
            as_dict.close()

    def test_8_query_errors(self):
        with self.assertRaises(hrwatch.ControlError) as cm:
            self.client.position("nosuch")
        self.assertEqual(cm.exception.reason, "CONTROL_ERROR_NOT_FOUND")
        self.assertEqual(cm.exception.code, 3)
        self.assertIn("position", str(cm.exception))

    def test_8b_wrong_socket_is_not_taken_for_control(self):
        # The ingest ROUTER answers a ControlRequest with an Ack: never an
        # empty Status, report or log.
        wrong = hrwatch.Client(self.ingest, timeout=5)
        try:
            for ask in (wrong.status, lambda: wrong.unit("ops"), wrong.report,
                        lambda: wrong.alert_log(0), lambda: wrong.position("P-1")):
                with self.assertRaises(hrwatch.HrwatchError) as cm:
                    ask()
                self.assertNotIsInstance(cm.exception, hrwatch.TimeoutError)
                self.assertIn("does not answer as hrwatchd's control socket", str(cm.exception))
                self.assertIn(self.ingest, str(cm.exception))
        finally:
            wrong.close()
        with hrwatch.Subscriber(self.alerts_ep, self.ingest, timeout=5) as sub:
            with self.assertRaises(hrwatch.HrwatchError) as cm:
                sub.receive(timeout=1)
            self.assertIn("control socket", str(cm.exception))

    def test_6b_iterating_waits_for_the_daemon(self):
        # The control socket answers nothing for a few request timeouts,
        # then answers: iterating keeps asking (it does not raise) and
        # gives the alert out once it comes. A stand-in control socket
        # plays the daemon coming back.
        import threading
        import zmq
        from hrwatch.v1 import alerts_pb2, control_pb2
        ep = f"ipc://{self.tmp}/late-control.sock"
        stop = threading.Event()

        def late_daemon():
            time.sleep(1.5)
            s = router(ep)
            try:
                while not stop.is_set():
                    if not s.poll(100):
                        continue
                    ident, empty, frame = s.recv_multipart()
                    req = control_pb2.ControlRequest.FromString(frame)
                    resp = control_pb2.ControlResponse()
                    resp.alerts.SetInParent()
                    if req.alerts.after_seq < 7:
                        resp.alerts.alerts.add(seq=7, topic="succession_gap/x/P-7",
                                               subject="P-7")
                    resp.alerts.last_seq = 7
                    s.send_multipart([ident, b"", resp.SerializeToString()])
            finally:
                s.close(0)

        t = threading.Thread(target=late_daemon)
        t.start()
        try:
            with hrwatch.Subscriber(f"ipc://{self.tmp}/late-alerts.sock", ep, after=3,
                                    timeout=0.3) as sub:
                start = time.monotonic()
                a = next(iter(sub))
                self.assertEqual((a.seq, a.subject), (7, "P-7"))
                self.assertGreater(time.monotonic() - start, 1.0)
                self.assertEqual(sub.last_seq, 7)
            # Bounded: iterate(timeout) gives up when nothing answers.
            with hrwatch.Subscriber(f"ipc://{self.tmp}/late-alerts.sock",
                                    f"ipc://{self.tmp}/nobody-control.sock",
                                    timeout=0.2) as sub:
                start = time.monotonic()
                with self.assertRaises(hrwatch.TimeoutError):
                    for _ in sub.iterate(timeout=1.5):
                        pass
                self.assertLess(time.monotonic() - start, 5)
        finally:
            stop.set()
            t.join()

    def test_8c_bad_arguments_are_hrwatch_errors(self):
        for make in (lambda: hrwatch.Publisher("bogus://x"), lambda: hrwatch.Publisher(""),
                     lambda: hrwatch.Client("bogus://x").status(),
                     lambda: hrwatch.Subscriber("bogus://x", self.control),
                     lambda: hrwatch.Subscriber(self.alerts_ep, "bogus://x"),
                     lambda: hrwatch.Client(self.control, timeout=0),
                     lambda: hrwatch.Publisher(self.ingest, timeout=-1),
                     lambda: hrwatch.Subscriber(self.alerts_ep, self.control, timeout=0),
                     lambda: self.client.report(months=-1),
                     lambda: self.client.alert_log(-5),
                     lambda: self.client.advance("yesterday")):
            with self.assertRaises(hrwatch.ArgumentError):
                make()
        self.assertTrue(issubclass(hrwatch.ArgumentError, hrwatch.HrwatchError))
        self.assertTrue(issubclass(hrwatch.ArgumentError, ValueError))
        self.assertEqual(self.client.status().version != "", True)  # still usable

    def test_9_no_daemon_times_out(self):
        with self.assertRaises(hrwatch.TimeoutError):
            with hrwatch.Publisher(f"ipc://{self.tmp}/nobody.sock", timeout=1.5) as pub:
                pub.publish([event("lost-1", orgUnitDefined={"unitId": "y"})])



class OrderAcrossRestarts(unittest.TestCase):
    """Batches go, and go again, in the order they were made (protocol.md,
    retry rule 6). A daemon played by a ROUTER socket takes batches 1-8 of
    a window of 8, acknowledges 1-4 and goes away; while it is away the
    publisher is given 9-12; then it comes back on the same endpoint and
    acknowledges what it gets, which must be 5, 6, ..., 12 in that order
    (from an earlier one if its Ack was lost with the connection):
    a batch made later never overtakes one lost with the connection (a
    survey answer overtaken by later events can be counted late)."""

    def test_batches_keep_their_order(self):
        import threading
        import importlib
        pb = importlib.import_module("hrwatch._pb2").events_pb2
        tmp = tempfile.mkdtemp(prefix="hrwatch-pkg-order-")
        endpoint = f"ipc://{tmp}/ingest.sock"
        away, back_got, failures = threading.Event(), [], []

        def answer(sock, frames):
            batch = pb.EventBatch()
            batch.ParseFromString(frames[-1])
            ack = pb.Ack(batch_id=batch.batch_id, status=pb.BATCH_STATUS_OK, accepted=1)
            ack.results.add(event_id=batch.events[0].event_id, outcome=pb.OUTCOME_ACCEPTED)
            sock.send_multipart([frames[0], b"", ack.SerializeToString()])
            return int(batch.events[0].event_id.split("-")[1])

        def daemon():
            try:
                sock = router(endpoint)
                held = []
                while len(held) < 8:  # 1-8, the whole window
                    if not sock.poll(10000):
                        raise AssertionError(f"got only {len(held)} of the first 8 batches")
                    held.append(sock.recv_multipart())
                for frames in held[:4]:
                    answer(sock, frames)
                time.sleep(0.2)       # the acks leave before the socket goes
                sock.close(0)         # 5-8 go unanswered, with the connection
                away.set()
                time.sleep(0.5)       # 9-12 are made meanwhile
                sock = router(endpoint)
                while len(back_got) < 8 and sock.poll(10000):
                    back_got.append(answer(sock, sock.recv_multipart()))
                while sock.poll(300):  # anything more would be a re-send
                    back_got.append(answer(sock, sock.recv_multipart()))
                sock.close(0)
            except Exception as e:   # reported by the test's thread
                failures.append(e)
                away.set()

        t = threading.Thread(target=daemon)
        t.start()
        try:
            with hrwatch.Publisher(endpoint, batch_size=1, window=8, timeout=20) as pub:
                pub.send([event(f"order-{i}", orgUnitDefined={"unitId": f"o{i}"})
                          for i in range(1, 9)])
                self.assertTrue(away.wait(20))
                time.sleep(0.2)  # the loss seen by libzmq: 9-12 are made after it
                pub.send([event(f"order-{i}", orgUnitDefined={"unitId": f"o{i}"})
                          for i in range(9, 13)])
                r = pub.flush()
        finally:
            t.join(30)
            shutil.rmtree(tmp)
        self.assertEqual(failures, [])
        # From the first batch not settled when the connection went (an
        # Ack of 2-4 still unread then is lost with it), each once, in order.
        self.assertTrue(back_got and back_got[0] <= 5, back_got)
        self.assertEqual(back_got, list(range(back_got[0], 13)))
        self.assertEqual((r.accepted, r.batches), (12, 12))
        # What went again: those lost with the connection, and any of 9-12
        # sent before the loss was seen.
        self.assertTrue(4 <= r.resends <= 11, r.resends)


class GiveUpInOrder(unittest.TestCase):
    """A batch not acknowledged in time: the publisher gives up it and
    everything after it, names their events on the error (in order), and
    sends nothing more, so that sending them again cannot put an event
    after one made later. A daemon played by a ROUTER socket acknowledges
    batches 1 and 2 of 2 events each and then answers nothing; once the
    publisher has given up it answers everything, and a new publisher
    sends the events given up and the rest."""

    def test_unsettled_events_are_named_and_nothing_more_goes(self):
        import threading
        import importlib
        pb = importlib.import_module("hrwatch._pb2").events_pb2
        tmp = tempfile.mkdtemp(prefix="hrwatch-pkg-giveup-")
        endpoint = f"ipc://{tmp}/ingest.sock"
        ids = [f"giveup-{i}" for i in range(1, 13)]
        events = [event(i, orgUnitDefined={"unitId": i}) for i in ids]
        given_up, done = threading.Event(), threading.Event()
        got, failures = [], []   # (before the give-up?, event ids of a batch)

        def daemon():
            sock = router(endpoint)
            try:
                while not done.is_set():
                    if not sock.poll(50):
                        continue
                    frames = sock.recv_multipart()
                    batch = pb.EventBatch.FromString(frames[-1])
                    got.append((given_up.is_set(), [e.event_id for e in batch.events]))
                    if len(got) > 2 and not given_up.is_set():
                        continue       # silent: the batches from the third on
                    ack = pb.Ack(batch_id=batch.batch_id, status=pb.BATCH_STATUS_OK,
                                 accepted=len(batch.events))
                    for e in batch.events:
                        ack.results.add(event_id=e.event_id, outcome=pb.OUTCOME_ACCEPTED)
                    sock.send_multipart([frames[0], b"", ack.SerializeToString()])
            except Exception as e:
                failures.append(e)
            finally:
                sock.close(0)

        t = threading.Thread(target=daemon)
        t.start()
        try:
            pub = hrwatch.Publisher(endpoint, batch_size=2, window=3, timeout=1)
            with self.assertRaises(hrwatch.TimeoutError) as cm:
                pub.publish(events)
            unsettled = list(cm.exception.unsettled)
            time.sleep(0.5)          # anything the old publisher still sent would come
            given_up.set()
            with self.assertRaises(hrwatch.HrwatchError):
                pub.send(events[-1:])
            pub.close()              # nothing left to flush: closes quietly
            # Batch 3 on, with what the call had not yet batched: 5 to 12.
            self.assertEqual(unsettled, ids[4:])
            before = [b for was, b in got if not was]
            self.assertEqual([x for b in before for x in b], ids[:len(before) * 2])
            self.assertFalse([b for was, b in got if was], "sent after giving up")
            with hrwatch.Publisher(endpoint, batch_size=2, window=3, timeout=10) as again:
                r = again.publish([events[ids.index(i)] for i in unsettled])
            self.assertEqual(r.accepted, 12 - 4)
            after = [x for was, b in got if was for x in b]
            self.assertEqual(after, ids[4:])
        finally:
            done.set()
            t.join(10)
            shutil.rmtree(tmp)
        self.assertEqual(failures, [])


class CurvePackage(unittest.TestCase):
    """The same over tcp:// with CURVE: keys as `hrwatch keygen` files and as
    Z85 strings; a key not on the allowlist gets no answer."""

    @classmethod
    def key(cls, name):
        return os.path.join(cls.tmp, name)

    @classmethod
    def setUpClass(cls):
        import socket
        cls.tmp = tempfile.mkdtemp(prefix="hrwatch-pkg-curve-")
        for k in ("server", "client", "rogue"):
            subprocess.run([os.path.join(ARGS.bin, "hrwatch"), "keygen", k], cwd=cls.tmp,
                           check=True, stdout=subprocess.DEVNULL)
        with open(cls.key("allowed"), "w") as f:
            f.write(hrwatch.load_key(cls.key("client.pub")).decode() + "\n")
        socks = [socket.socket() for _ in range(3)]
        for x in socks:
            x.bind(("127.0.0.1", 0))
        ports = [x.getsockname()[1] for x in socks]
        for x in socks:
            x.close()
        cls.ingest, cls.control, cls.alerts_ep = [f"tcp://127.0.0.1:{p}" for p in ports]
        conf = cls.key("hrwatchd.conf")
        with open(conf, "w") as f:
            f.write(f"[store]\npath = {cls.tmp}/state\n[ingest]\nendpoint = {cls.ingest}\n"
                    f"push_endpoint =\n[control]\nendpoint = {cls.control}\n"
                    f"[alerts]\nendpoint = {cls.alerts_ep}\n[metrics]\nlisten =\n"
                    f"[security]\nserver_key = {cls.key('server.key')}\n"
                    f"publishers = {cls.key('allowed')}\nsubscribers = {cls.key('allowed')}\n")
        cls.daemon = subprocess.Popen([os.path.join(ARGS.bin, "hrwatchd"), "--foreground",
                                       "--config", conf], stderr=subprocess.DEVNULL)
        cls.client = hrwatch.Client(cls.control, timeout=0.5, server_key=cls.key("server.pub"),
                                    key=cls.key("client.key"))
        wait_until_up(cls.client)
        cls.client.timeout = 10

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        cls.daemon.terminate()
        assert cls.daemon.wait(10) == 0
        shutil.rmtree(cls.tmp)

    def test_publish_and_subscribe_with_keys(self):
        with hrwatch.Publisher(self.ingest, server_key=self.key("server.pub"),
                               key=self.key("client.key")) as pub:
            r = pub.publish([
                event("c-u1", orgUnitDefined={"unitId": "eng"}),
                event("c-p1", positionDefined={"positionId": "P-9", "unitId": "eng",
                                               "critical": True})])
        self.assertEqual((r.accepted, r.rejected), (2, 0))
        self.assertEqual(self.client.position("P-9").unit_id, "eng")
        # Keys as Z85 strings this time.
        server = hrwatch.load_key(self.key("server.pub")).decode()
        pair = (hrwatch.load_key(self.key("client.key")).decode(),
                hrwatch.load_key(self.key("client.key"), secret=True).decode())
        with hrwatch.Subscriber(self.alerts_ep, self.control, after=0, prefix="succession_gap/",
                                server_key=server, key=pair) as sub:
            # The clock reaches the events at the next event or an advance,
            # which only an admin key may ask for over tcp://: the alert is
            # there once the clock passes them, so a hire a day later does it.
            with hrwatch.Publisher(self.ingest, server_key=server, key=pair) as pub:
                pub.publish([event("c-h1", "2025-01-02T00:00:00Z",
                                   hire={"employeeId": "E-9", "unitId": "eng"})])
            a = sub.receive(timeout=10)
            self.assertIsNotNone(a)
            self.assertEqual(a.subject, "P-9")

    def test_a_key_not_allowed_gets_no_answer(self):
        with self.assertRaises(hrwatch.TimeoutError):
            with hrwatch.Publisher(self.ingest, timeout=1, server_key=self.key("server.pub"),
                                   key=self.key("rogue.key")) as pub:
                pub.publish([event("c-rogue", orgUnitDefined={"unitId": "x"})])
        rogue = hrwatch.Client(self.control, timeout=0.5, server_key=self.key("server.pub"),
                               key=self.key("rogue.key"))
        with self.assertRaises(hrwatch.TimeoutError):
            rogue.status()
        rogue.close()

    def test_half_a_curve_setup_is_refused(self):
        with self.assertRaises(hrwatch.ArgumentError):
            hrwatch.Publisher(self.ingest, server_key=self.key("server.pub"))
        with self.assertRaises(hrwatch.ArgumentError):
            hrwatch.load_key(self.key("allowed"))

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True, help="the build directory (hrwatchd)")
    parser.add_argument("--source", required=True, help="the source tree")
    ARGS, rest = parser.parse_known_args()
    ARGS.bin, ARGS.source = os.path.abspath(ARGS.bin), os.path.abspath(ARGS.source)
    # Stuck past ctest's 120 s: every thread's stack is written first, so a
    # hang says where it is.
    faulthandler.dump_traceback_later(100, exit=True)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
