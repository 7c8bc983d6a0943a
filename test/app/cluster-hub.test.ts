/** The primary's shared state (app/cluster-hub.ts), driven with peers that record what they are sent. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ClusterHub, type Peer } from "../../src/app/cluster-hub.js";
import type { PrimaryMessage } from "../../src/app/cluster-messages.js";
import { createLogger } from "../../src/log/log.js";
import type { CooldownState } from "../../src/routing/cooldown.js";

interface TestPeer extends Peer {
  ready: boolean;
  readonly got: PrimaryMessage[];
  /** Answers every query with `answer(topic, arg)`. */
  answer?: (topic: string, arg: unknown) => unknown;
}

function hubOf(n: number, now = () => 1000) {
  const logs: string[] = [];
  const peers: TestPeer[] = [];
  const hub = new ClusterHub(() => peers, createLogger({ level: "debug", sink: (l) => logs.push(l) }), now);
  for (let slot = 1; slot <= n; slot++) {
    const peer: TestPeer = {
      slot,
      pid: 100 + slot,
      ready: true,
      got: [],
      send(m) {
        peer.got.push(m);
        if (m.cx === "query" && peer.answer)
          queueMicrotask(() => hub.receive(peer, { cx: "answer", id: m.id, value: peer.answer!(m.topic, m.arg) }));
      },
    };
    peers.push(peer);
  }
  return { hub, peers, logs };
}

const settle = () => new Promise((r) => setImmediate(r));

test("the refresh lock of a file goes to one worker at a time, in order, and passes on when its holder exits", () => {
  const { hub, peers, logs } = hubOf(3);
  const [a, b, c] = peers;
  hub.receive(a, { cx: "lock", id: 1, file: "u.json" });
  hub.receive(b, { cx: "lock", id: 7, file: "u.json" });
  hub.receive(c, { cx: "lock", id: 9, file: "u.json" });
  hub.receive(c, { cx: "lock", id: 10, file: "other.json" });
  assert.deepEqual(a.got, [{ cx: "granted", id: 1 }]);
  assert.deepEqual(b.got, []);
  assert.deepEqual(c.got, [{ cx: "granted", id: 10 }]);
  assert.ok(logs.some((l) => /worker 2 waits for the refresh of u\.json by worker 1/.test(l)));
  hub.receive(b, { cx: "unlock", file: "u.json" }); // not the holder: nothing moves
  assert.deepEqual(b.got, []);
  hub.receive(a, { cx: "unlock", file: "u.json" });
  assert.deepEqual(b.got, [{ cx: "granted", id: 7 }]);
  b.ready = false;
  hub.gone(b);
  assert.deepEqual(c.got.at(-1), { cx: "granted", id: 9 });
  hub.receive(c, { cx: "unlock", file: "u.json" });
  hub.receive(a, { cx: "lock", id: 2, file: "u.json" });
  assert.deepEqual(a.got.at(-1), { cx: "granted", id: 2 }, "free again");
});

test("a cooldown goes to every other ready worker, and a worker that becomes ready gets the active ones", () => {
  const { hub, peers } = hubOf(3);
  const [a, b, c] = peers;
  c.ready = false;
  const state = (until: number): CooldownState => ({
    block: { until, quota: true, status: 429, reason: "rate limited", message: "slow", at: 0 },
    level: 1,
  });
  hub.receive(a, { cx: "cooldown", key: "k1", model: "m", state: state(5000) });
  hub.receive(a, { cx: "cooldown", key: "k2", model: "m", state: state(500) }); // expired by the time c is ready
  hub.receive(a, { cx: "cooldown", key: "k3", model: "m", state: state(5000) });
  hub.receive(b, { cx: "cooldown", key: "k3", model: "m" }); // cleared
  assert.deepEqual(
    b.got.map((m) => m.cx === "cooldown" && m.key),
    ["k1", "k2", "k3"],
  );
  assert.deepEqual(a.got, [{ cx: "cooldown", key: "k3", model: "m", state: undefined }]);
  assert.deepEqual(c.got, []);
  c.ready = true;
  hub.receive(c, { cx: "ready", url: "http://x" });
  assert.deepEqual(c.got, [{ cx: "cooldowns", list: [{ key: "k1", model: "m", state: state(5000) }] }]);
});

test("a question goes to every other worker; a queue is drained from them in turn until there are enough", async () => {
  const { hub, peers } = hubOf(3);
  const [a, b, c] = peers;
  b.answer = (topic, arg) => (topic === "q" ? ["b1", "b2"].slice(0, Number(arg)) : `b:${topic}`);
  c.answer = (topic, arg) => (topic === "q" ? ["c1", "c2", "c3"].slice(0, Number(arg)) : `c:${topic}`);
  hub.receive(a, { cx: "ask", id: 5, topic: "usage" });
  await settle();
  assert.deepEqual(a.got.at(-1), { cx: "answers", id: 5, values: ["b:usage", "c:usage"] });
  hub.receive(a, { cx: "ask", id: 6, topic: "q", arg: 3, drain: true });
  await settle();
  await settle();
  assert.deepEqual(a.got.at(-1), { cx: "answers", id: 6, values: ["b1", "b2", "c1"] });
  assert.deepEqual(
    c.got.filter((m) => m.cx === "query" && m.topic === "q").map((m) => m.cx === "query" && m.arg),
    [1],
    "c was asked only for what b lacked",
  );
});

test("a worker that exits before answering counts as silent", async () => {
  const { hub, peers } = hubOf(2);
  const [a, b] = peers;
  hub.receive(a, { cx: "ask", id: 1, topic: "usage" });
  assert.equal(b.got[0]?.cx, "query");
  b.ready = false;
  hub.gone(b);
  await settle();
  assert.deepEqual(a.got.at(-1), { cx: "answers", id: 1, values: [] });
  hub.receive(b, { cx: "answer", id: 1, value: "late" }); // ignored
});
