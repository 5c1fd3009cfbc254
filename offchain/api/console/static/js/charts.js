// Two charts drawn as inline SVG: horizontal bars (pool utilization) and lines over blocks
// (escrow over time).

const SVG = "http://www.w3.org/2000/svg";

function s(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

// bars: [{label, value, max, title}] -> one bar per item, filled value/max.
export function utilizationChart(bars) {
  const row = 26;
  const width = 640;
  const labelWidth = 170;
  const barWidth = width - labelWidth - 70;
  const svg = s("svg", {
    viewBox: `0 0 ${width} ${Math.max(1, bars.length) * row + 4}`,
    class: "chart utilization",
    role: "img",
    "aria-label": "Pool utilization",
  });
  bars.forEach((bar, i) => {
    const y = i * row + 4;
    const share = bar.max ? Math.min(1, bar.value / bar.max) : 0;
    const g = s("g", { "data-pool": bar.key });
    g.append(s("title", {}, bar.title));
    g.append(s("text", { x: 0, y: y + 15, class: "label" }, bar.label));
    g.append(s("rect", { x: labelWidth, y, width: barWidth, height: 18, class: "track", rx: 3 }));
    g.append(
      s("rect", {
        x: labelWidth,
        y,
        width: Math.round(barWidth * share),
        height: 18,
        class: share >= 0.9 ? "fill hot" : "fill",
        rx: 3,
      }),
    );
    g.append(
      s("text", { x: labelWidth + barWidth + 8, y: y + 15, class: "value" }, `${Math.round(share * 100)}%`),
    );
    svg.append(g);
  });
  return svg;
}

// series: [{name, cls, points: [[x, y], ...]}] with numeric x (block) and y (Number).
export function lineChart(series, { xLabel = "block", yLabel = "" } = {}) {
  const width = 640;
  const height = 220;
  const pad = { left: 70, right: 16, top: 14, bottom: 34 };
  const all = series.flatMap((x) => x.points);
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart line", role: "img" });
  if (all.length === 0) {
    svg.append(s("text", { x: width / 2, y: height / 2, class: "label", "text-anchor": "middle" }, "no data yet"));
    return svg;
  }
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs, Math.min(...xs) + 1)];
  const y1 = Math.max(...ys, 1e-12) * 1.1;
  const px = (x) => pad.left + ((x - x0) / (x1 - x0)) * (width - pad.left - pad.right);
  const py = (y) => height - pad.bottom - (y / y1) * (height - pad.top - pad.bottom);
  svg.append(s("line", { x1: pad.left, y1: py(0), x2: width - pad.right, y2: py(0), class: "axis" }));
  svg.append(s("line", { x1: pad.left, y1: pad.top, x2: pad.left, y2: py(0), class: "axis" }));
  for (const frac of [0, 0.5, 1]) {
    const y = (y1 / 1.1) * frac;
    svg.append(s("text", { x: pad.left - 6, y: py(y) + 4, class: "tick", "text-anchor": "end" }, fmt(y)));
  }
  svg.append(s("text", { x: pad.left, y: height - 8, class: "tick" }, `${xLabel} ${x0}`));
  svg.append(s("text", { x: width - pad.right, y: height - 8, class: "tick", "text-anchor": "end" }, `${xLabel} ${x1}`));
  if (yLabel) svg.append(s("text", { x: 4, y: pad.top, class: "tick" }, yLabel));
  series.forEach((line, i) => {
    // Steps: a value holds until the next change.
    const path = [];
    line.points.forEach(([x, y], j) => {
      if (j > 0) path.push(`${px(x)},${py(line.points[j - 1][1])}`);
      path.push(`${px(x)},${py(y)}`);
    });
    svg.append(s("polyline", { points: path.join(" "), class: `series ${line.cls}` }));
    svg.append(s("text", { x: width - pad.right - 180 + i * 90, y: pad.top + 4, class: `legend ${line.cls}` }, line.name));
  });
  return svg;
}

function fmt(y) {
  if (y === 0) return "0";
  if (y >= 1000) return y.toLocaleString("en", { maximumFractionDigits: 0 });
  return y.toPrecision(3);
}
