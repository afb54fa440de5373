import { assertEquals, assertThrows } from "@std/assert";
import {
  best,
  type Figure,
  figureTable,
  formatValue,
  goalTable,
  judge,
} from "./_figures_math.ts";

const rates: Figure = {
  id: "inflight",
  title: "tiny tasks",
  unit: "tasks/s",
  better: "higher",
  baseline: "bare",
  goals: [],
};
const times: Figure = {
  ...rates,
  id: "latency",
  unit: "µs/task",
  better: "lower",
};

Deno.test("best() keeps the highest rate and the lowest time", () => {
  assertEquals(best(rates, [3, 9, 5]), 9);
  assertEquals(best(times, [3, 9, 5]), 3);
  assertThrows(() => best(rates, []), RangeError, "inflight");
});

Deno.test("formatValue() keeps about three significant digits", async (t) => {
  const cases: [number, string][] = [
    [4_460_000, "4.46M"],
    [215_812, "215.8k"],
    [9_555, "9555"],
    [139.2, "139"],
    [8.46, "8.5"],
    [0.04, "0.0"],
  ];
  for (const [value, text] of cases) {
    await t.step(text, () => assertEquals(formatValue(value), text));
  }
});

Deno.test("judge() compares with a multiple of another contender, or with a bound", async (t) => {
  const values = new Map([["bare", 100], ["thread pool", 40], ["peer", 30]]);
  const cases: [
    Figure,
    Parameters<typeof judge>[1],
    number | undefined,
    boolean | undefined,
  ][] = [
    [times, { who: "thread pool", op: "≤", times: 0.5, of: "bare" }, 0.4, true],
    [
      times,
      { who: "thread pool", op: "<", times: 1, of: "peer" },
      40 / 30,
      false,
    ],
    [
      rates,
      { who: "thread pool", op: "≥", times: 2, of: "peer" },
      40 / 30,
      false,
    ],
    [times, { who: "thread pool", op: "≤", value: 40 }, 40, true],
    [times, { who: "thread pool", op: "<", value: 40 }, 40, false],
    [
      rates,
      { who: "thread pool", op: "≥", times: 5, of: "missing" },
      undefined,
      undefined,
    ],
  ];
  for (const [figure, goal, measured, met] of cases) {
    const outcome = judge(figure, goal, values);
    await t.step(outcome.text, () => {
      assertEquals(outcome.measured, measured);
      assertEquals(outcome.met, met);
    });
  }
  assertEquals(
    judge(times, { who: "thread pool", op: "≤", value: 100 }, values).text,
    "thread pool ≤ 100 µs/task",
  );
  assertEquals(
    judge(
      times,
      { who: "thread pool", op: "≤", times: 0.5, of: "bare" },
      values,
    ).text,
    "thread pool ≤ 0.5× bare",
  );
});

Deno.test("figureTable() shows each value and its ratio to the baseline", () => {
  const values = new Map([["bare", 50_000], ["thread pool", 200_000]]);
  assertEquals(figureTable(rates, values).split("\n"), [
    "| contender | tasks/s | × bare |",
    "|---|---:|---:|",
    "| bare (baseline) | 50.0k | 1.00× |",
    "| thread pool | 200.0k | 4.00× |",
  ]);
  assertEquals(
    figureTable(rates, new Map([["thread pool", 1]])).split("\n")[2],
    "| thread pool | 1.0 | — |",
  );
});

Deno.test("goalTable() marks each goal met, missed or not measured", () => {
  const values = new Map([["bare", 100], ["thread pool", 40]]);
  const table = goalTable([
    judge(
      times,
      { who: "thread pool", op: "≤", times: 0.5, of: "bare" },
      values,
    ),
    judge(times, { who: "thread pool", op: "≤", value: 10 }, values),
    judge(times, { who: "thread pool", op: "<", times: 1, of: "peer" }, values),
  ]);
  assertEquals(table.split("\n"), [
    "| goal | measured | met |",
    "|---|---:|---|",
    "| thread pool ≤ 0.5× bare | 0.40× | yes |",
    "| thread pool ≤ 10 µs/task | 40.0 | **no** |",
    "| thread pool < 1× peer | — | not measured |",
  ]);
});
