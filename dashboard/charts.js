/**
 * Line charts on uPlot (dashboard/vendor/, loaded as a classic script before this module): one
 * `LineChart` per panel, rebuilt when its set of series changes and otherwise only given new
 * data, resized with its box.
 */

const PALETTE = [
  "#4e79a7",
  "#f28e2b",
  "#e15759",
  "#76b7b2",
  "#59a14f",
  "#edc948",
  "#b07aa1",
  "#ff9da7",
  "#9c755f",
  "#bab0ac",
];
/** @type {Map<string, string>} */
const colours = new Map();
/** The same series keeps its colour in every chart and across rebuilds. */
function colourOf(/** @type {string} */ label) {
  if (!colours.has(label)) colours.set(label, PALETTE[colours.size % PALETTE.length]);
  return /** @type {string} */ (colours.get(label));
}

/** Time-axis tick steps in seconds: never finer than the 5 s polls. */
const TIME_STEPS = [5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200];
/** Whole numbers only on count axes (jobs cannot be 0.2). */
const COUNT_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 1e5, 1e6];

/** "14:05:30" under a minute's steps, "14:05" above. */
function clock(/** @type {number} */ t, /** @type {number} */ step) {
  const d = new Date(t * 1000);
  const pad = (/** @type {number} */ n) => String(n).padStart(2, "0");
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return step < 60 ? `${hm}:${pad(d.getSeconds())}` : hm;
}

/** Value formats by unit. */
export const FORMATS = {
  /** @param {number} v */
  rate: (v) => `${v < 10 ? v.toFixed(2) : v.toFixed(0)}/s`,
  /** @param {number} v */
  share: (v) => `${(v * 100).toFixed(v < 0.1 ? 2 : 1)}%`,
  /** @param {number} v */
  ms: (v) => `${v < 10 ? v.toFixed(1) : v.toFixed(0)} ms`,
  /** @param {number} v */
  count: (v) => String(Math.round(v)),
};

/**
 * @typedef {{label: string, values: (number | null)[], dash?: boolean}} Series
 * @typedef {{title: string, unit: keyof typeof FORMATS, height?: number, max?: number}} ChartOptions
 */

export class LineChart {
  /**
   * @param {HTMLElement} box where the chart goes (its width is the chart's)
   * @param {ChartOptions} options
   */
  constructor(box, options) {
    this.box = box;
    this.options = options;
    /** @type {any} the uPlot instance */
    this.plot = null;
    this.labels = "";
    /** @type {[number[], ...(number | null)[][]]} what is drawn, for the test's state */
    this.data = [[]];
    new ResizeObserver(() => this.#resize()).observe(box);
  }

  /**
   * @param {number[]} x seconds since the epoch
   * @param {Series[]} series
   */
  update(x, series) {
    const labels = series.map((s) => `${s.label}${s.dash ? " (dash)" : ""}`).join("\n");
    this.data = [x, ...series.map((s) => s.values)];
    const hasData = series.some((s) => s.values.some((v) => v !== null));
    this.box.dataset.empty = String(!hasData);
    if (!this.plot || labels !== this.labels) {
      this.plot?.destroy();
      this.labels = labels;
      this.plot = new globalThis.uPlot(this.#opts(series), this.data, this.box);
    } else {
      this.plot.setData(this.data);
    }
    this.#newest(this.plot);
  }

  /** Off the plot, the legend shows the newest values instead of dashes. */
  #newest(/** @type {any} */ plot) {
    const n = plot.data[0]?.length ?? 0;
    if (n && !(plot.cursor.left >= 0)) plot.setLegend({ idx: n - 1 });
  }

  /** @param {Series[]} series */
  #opts(series) {
    const format = FORMATS[this.options.unit];
    const max = this.options.max;
    return {
      title: this.options.title,
      width: this.box.clientWidth || 400,
      height: this.options.height ?? 200,
      scales: {
        x: { time: true },
        // Never an empty range (a flat line of zeros), and shares never above 100 %.
        y: {
          range: (/** @type {any} */ _u, /** @type {number} */ lo, /** @type {number} */ hi) => {
            let top = hi > 0 ? hi * 1.1 : 0;
            if (!(top > 0)) top = max ?? 1;
            if (max !== undefined) top = Math.min(top, max);
            return [Math.min(0, lo || 0), top];
          },
        },
      },
      hooks: {
        ready: [(/** @type {any} */ plot) => this.#newest(plot)],
        setCursor: [(/** @type {any} */ plot) => this.#newest(plot)],
      },
      series: [
        {},
        ...series.map((s) => ({
          label: s.label,
          stroke: colourOf(s.label),
          width: 1.5,
          dash: s.dash ? [6, 4] : undefined,
          points: { size: 4 },
          value: (/** @type {any} */ _u, /** @type {number | null} */ v) =>
            v === null || v === undefined ? "–" : format(v),
        })),
      ],
      axes: [
        {
          space: 70,
          incrs: TIME_STEPS,
          values: (
            /** @type {any} */ _u,
            /** @type {number[]} */ ticks,
            /** @type {number} */ _axis,
            /** @type {number} */ _space,
            /** @type {number} */ step,
          ) => ticks.map((t) => clock(t, step)),
        },
        {
          size: 64,
          incrs: this.options.unit === "count" ? COUNT_STEPS : undefined,
          values: (/** @type {any} */ _u, /** @type {number[]} */ ticks) => ticks.map(format),
        },
      ],
    };
  }

  #resize() {
    const width = this.box.clientWidth;
    if (this.plot && width && width !== this.plot.width) {
      this.plot.setSize({ width, height: this.options.height ?? 200 });
    }
  }
}
