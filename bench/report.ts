import { TARGETS, type BenchResults } from './results.js';

type Row = [label: string, value: string, target: string, verdict: string];

/** Prints the results as a table, each ratio beside its target. */
export function printResults(results: BenchResults): void {
  const rows = [...apiRows(results), ...cliRows(results)];
  const widths = [0, 1, 2, 3].map((i) =>
    Math.max(...rows.map((row) => row[i]?.length ?? 0)),
  );
  console.log('');
  for (const row of rows) {
    const cells = row.map((cell, i) => cell.padEnd(widths[i] ?? 0));
    console.log(cells.join('  ').trimEnd());
  }
}

function apiRows({ api, passed }: BenchResults): Row[] {
  const label = `${count(api.events)} events, API export`;
  return [
    [`${label} p50`, ms(api.p50Ms), '', ''],
    [`${label} p95`, ms(api.p95Ms), '< 1 s', verdict(passed.apiP95)],
  ];
}

function cliRows({ cli, passed }: BenchResults): Row[] {
  const { baseline, peakRssMb: rss } = cli;
  const rssRatio = rss === null ? 'n/a' : ratio(rss / TARGETS.peakRssMb);
  return [
    [`${count(cli.events)} events, CLI export`, ms(cli.exportMs), '', ''],
    ['  baseline: sha512sum', ms(baseline.sha512sumMs), '', ''],
    ['  baseline: zip -1', ms(baseline.zipMs), '', ''],
    ['  baseline: total', ms(baseline.totalMs), '', ''],
    [
      '  export / baseline',
      ratio(cli.vsBaseline),
      `<= ${TARGETS.cliVsBaseline}x`,
      verdict(passed.cliVsBaseline),
    ],
    [
      '  export peak RSS',
      rss === null ? 'n/a' : `${rss.toFixed(0)} MiB`,
      `< ${TARGETS.peakRssMb} MiB`,
      verdict(passed.peakRss),
    ],
    ['  peak RSS / target', rssRatio, '', ''],
  ];
}

function ms(value: number): string {
  if (value >= 10_000) return `${(value / 1000).toFixed(1)} s`;
  return `${value.toFixed(0)} ms`;
}

function ratio(value: number): string {
  return `${value.toFixed(2)}x`;
}

function count(events: number): string {
  if (events >= 1_000_000) return `${events / 1_000_000}M`;
  if (events >= 1_000) return `${events / 1_000}k`;
  return String(events);
}

function verdict(passed: boolean): string {
  return passed ? 'ok' : 'MISSED';
}
