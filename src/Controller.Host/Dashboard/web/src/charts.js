import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

const palette = ["#2563eb", "#dc2626", "#059669", "#d97706", "#7c3aed"];

/**
 * A time series chart (x: seconds since the epoch) whose series are appended to as samples come. series: [{ label,
 * unit }]. Keeps the last `keep` samples.
 */
export function timeSeries(container, title, series, keep = 300) {
  const data = [[], ...series.map(() => [])];
  const width = () => Math.max(280, container.clientWidth - 8);
  const plot = new uPlot(
    {
      title,
      width: width(),
      height: 200,
      series: [{}, ...series.map((s, i) => ({ label: s.label, stroke: palette[i % palette.length], width: 1.5, spanGaps: true, value: (_, v) => (v == null ? "–" : `${v.toFixed(3)}${s.unit ? ` ${s.unit}` : ""}`) }))],
      axes: [{}, { size: 56 }],
      scales: { x: { time: true } },
    },
    data,
    container,
  );
  let last = -Infinity;
  const resize = () => plot.setSize({ width: width(), height: 200 });
  window.addEventListener("resize", resize);
  return {
    /** Adds samples (time in ms since the epoch, values in series order), ignoring ones not newer than the last. */
    add(points) {
      let changed = false;
      for (const { time, values } of points) {
        const t = time / 1000;
        if (t <= last) continue;
        last = t;
        data[0].push(t);
        values.forEach((v, i) => data[i + 1].push(v ?? null));
        changed = true;
      }
      if (!changed) return;
      if (data[0].length > keep) data.forEach((column) => column.splice(0, column.length - keep));
      plot.setData(data);
    },
    destroy() {
      window.removeEventListener("resize", resize);
      plot.destroy();
    },
  };
}

/** A histogram of values (users' rate averages) with the mean and 5th percentile marked, drawn as SVG. */
export function histogram(container) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 400 160");
  svg.setAttribute("class", "histogram");
  container.append(svg);
  return {
    draw(values, mean, p5) {
      svg.replaceChildren();
      const finite = values.filter((v) => v !== null && Number.isFinite(v));
      if (finite.length === 0) return;
      const max = Math.max(...finite, 1e-9);
      const bins = 20;
      const counts = new Array(bins).fill(0);
      for (const v of finite) counts[Math.min(bins - 1, Math.floor((v / max) * bins))]++;
      const top = Math.max(...counts);
      const x = (v) => 30 + (v / max) * 360;
      counts.forEach((count, i) => {
        const rect = document.createElementNS(ns, "rect");
        const h = (count / top) * 120;
        rect.setAttribute("x", 30 + (i * 360) / bins + 1);
        rect.setAttribute("y", 130 - h);
        rect.setAttribute("width", 360 / bins - 2);
        rect.setAttribute("height", h);
        rect.setAttribute("class", "bar");
        svg.append(rect);
      });
      const mark = (value, label, cls) => {
        if (value === null || value === undefined) return;
        const line = document.createElementNS(ns, "line");
        line.setAttribute("x1", x(value));
        line.setAttribute("x2", x(value));
        line.setAttribute("y1", 5);
        line.setAttribute("y2", 130);
        line.setAttribute("class", cls);
        const text = document.createElementNS(ns, "text");
        text.setAttribute("x", x(value) + 3);
        text.setAttribute("y", cls === "mean" ? 14 : 28);
        text.setAttribute("class", cls);
        text.textContent = `${label} ${value.toFixed(3)}`;
        svg.append(line, text);
      };
      mark(mean, "mean", "mean");
      mark(p5, "5th pct", "p5");
      const axis = document.createElementNS(ns, "text");
      axis.setAttribute("x", 30);
      axis.setAttribute("y", 150);
      axis.textContent = `0 … ${max.toFixed(3)} bps/Hz (${finite.length} users)`;
      svg.append(axis);
    },
  };
}
