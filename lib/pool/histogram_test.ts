import { assertAlmostEquals, assertEquals } from "@std/assert";
import { Histogram } from "./_histogram.ts";

Deno.test("Histogram percentiles are within 3% of the exact ones, in fixed memory", () => {
  const h = new Histogram();
  const values: number[] = [];
  for (let i = 1; i <= 10_000; i++) values.push((i * 7919) % 10_007 / 10); // 0.1 ms .. ~1 s
  for (const v of values) h.record(v);
  values.sort((a, b) => a - b);
  const exact = (q: number) => values[Math.ceil(q * values.length) - 1];
  for (const q of [0.5, 0.9, 0.99]) {
    assertAlmostEquals(h.percentile(q), exact(q), exact(q) * 0.03);
  }
  const s = h.summary();
  assertEquals(s.count, 10_000);
  assertEquals(s.max, values.at(-1));
  assertAlmostEquals(s.mean, values.reduce((a, b) => a + b) / 10_000, 1e-6);
});

Deno.test("Histogram counts repeated samples, keeps sub-32 µs values exact and caps huge ones", () => {
  const h = new Histogram();
  h.record(0.005, 3); // 5 µs, three times
  h.record(0.02);
  assertEquals(h.summary().count, 4);
  assertEquals(h.percentile(0.5), 0.005);
  assertEquals(h.percentile(1), 0.02);
  h.record(1e12);
  assertEquals(h.summary().max, 1e12);
  assertEquals(new Histogram().summary(), {
    count: 0,
    mean: 0,
    p50: 0,
    p90: 0,
    p99: 0,
    max: 0,
  });
});
