export const num = (value, digits = 3) => (value === null || value === undefined || Number.isNaN(value) ? "–" : Number(value).toFixed(digits));
export const ms = (value) => (value === null || value === undefined ? "–" : `${Number(value).toFixed(2)} ms`);
export const int = (value) => (value === null || value === undefined ? "–" : Number(value).toLocaleString("en"));

/** Builds an element: el("td", { class: "x", dataset: { region: "r000" } }, "text", child). */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "dataset") Object.assign(node.dataset, value);
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export const link = (href, text) => el("a", { href }, text);
export const regionLink = (id) => link(`#/regions/${id}`, id);
export const userLink = (id) => (id ? link(`#/users/${id}`, id) : "–");

/** A labelled figure whose value a test (or an operator) can find by its name. */
export function stat(name, label) {
  const value = el("span", { class: "value", dataset: { stat: name } }, "–");
  return { node: el("div", { class: "stat" }, el("span", { class: "label" }, label), value), value };
}
