const ns = "http://www.w3.org/2000/svg";
const colours = ["#2563eb", "#dc2626", "#059669", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#65a30d"];

function node(tag, attributes, parent) {
  const element = document.createElementNS(ns, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  parent?.append(element);
  return element;
}

/**
 * A map of a region's cells (squares) and users (dots, coloured by serving cell), from GET /api/regions/{id}/geometry;
 * update(cells) draws a line from each cell to the user its last decision served, thicker with more power;
 * targets([x0, y0, x1, y1, ...]) draws an ISAC region's targets where the RAN last reported them (diamonds).
 */
export function regionMap(container, geometry) {
  const points = [...geometry.cells, ...geometry.users];
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const span = Math.max(maxX - minX, maxY - minY, 1e-9);
  const size = 400;
  const pad = 16;
  const sx = (x) => pad + ((x - minX) / span) * (size - 2 * pad);
  const sy = (y) => size - pad - ((y - minY) / span) * (size - 2 * pad);
  const svg = node("svg", { viewBox: `0 0 ${size} ${size}`, class: "map", role: "img", "aria-label": `map of ${geometry.regionId}` }, container);
  const links = node("g", {}, svg);
  const targets = node("g", {}, svg);
  const cellIndex = new Map(geometry.cells.map((c, i) => [c.cellId, i]));
  const where = new Map(points.map((p) => [p.cellId ?? p.userId, p]));
  for (const user of geometry.users) {
    const a = node("a", { href: `#/users/${user.userId}` }, svg);
    const dot = node("circle", { cx: sx(user.x), cy: sy(user.y), r: 3.5, fill: colours[cellIndex.get(user.servingCell) % colours.length], "data-user": user.userId }, a);
    node("title", {}, dot).textContent = `${user.userId} (cell ${user.servingCell})`;
  }
  for (const [i, cell] of geometry.cells.entries()) {
    const square = node("rect", { x: sx(cell.x) - 6, y: sy(cell.y) - 6, width: 12, height: 12, fill: colours[i % colours.length], stroke: "#111", "data-cell": cell.cellId }, svg);
    node("title", {}, square).textContent = cell.cellId;
  }
  return {
    targets(flat) {
      targets.replaceChildren();
      for (let j = 0; j + 1 < flat.length; j += 2) {
        const [x, y] = [sx(flat[j]), sy(flat[j + 1])];
        const mark = node("polygon", { points: `${x},${y - 6} ${x + 6},${y} ${x},${y + 6} ${x - 6},${y}`, fill: "#f59e0b", stroke: "#111", "data-target": j / 2 }, targets);
        node("title", {}, mark).textContent = `target ${j / 2} at (${flat[j].toFixed(1)}, ${flat[j + 1].toFixed(1)}) m`;
      }
    },
    update(cells, maxPower) {
      links.replaceChildren();
      for (const cell of cells) {
        const from = where.get(cell.cellId);
        const to = cell.servedUser ? where.get(cell.servedUser) : null;
        if (!from || !to || !cell.power) continue;
        node("line", { x1: sx(from.x), y1: sy(from.y), x2: sx(to.x), y2: sy(to.y), stroke: "#111", "stroke-opacity": 0.6, "stroke-width": 0.5 + 3 * Math.min(1, cell.power / (maxPower || 1)) }, links);
      }
    },
  };
}
