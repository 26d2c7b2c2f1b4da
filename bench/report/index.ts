/**
 * @module bench/report
 * Turning phase results into a report: medians of repeats, the Clove-vs-SpiceDB ratio table, and
 * the writers (text table, Markdown with a text percentile chart, SVG CDF chart, JSON).
 */
export { aggregateRepeats, type Comparison, compareWithSpicedb } from './compare.ts';
export { renderMarkdown } from './markdown.ts';
export { type BenchReport, describeEnvironment, writeReport } from './report.ts';
export { cdfChart } from './svg.ts';
export { markdownTable, resultsMarkdown, textTable } from './table.ts';
export { percentileChart } from './text-chart.ts';
