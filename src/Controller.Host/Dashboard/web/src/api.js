// Calls to the controller's API from the page. The key the operator pasted lives in this tab's sessionStorage and
// travels only in the Authorization header (never in a URL).
const KEY = "controller.apiKey";

export const key = {
  get: () => sessionStorage.getItem(KEY) ?? "",
  set: (value) => (value ? sessionStorage.setItem(KEY, value) : sessionStorage.removeItem(KEY)),
};

export function headers(extra = {}) {
  const value = key.get();
  return value ? { ...extra, Authorization: `Bearer ${value}` } : extra;
}

/** An API refusal: RFC 9457 problem details as the API sent them. */
export class Problem extends Error {
  constructor(status, problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }

  describe() {
    const p = this.problem;
    return `${this.status} ${p.title ?? ""}${p.detail ? `: ${p.detail}` : ""}`.trim();
  }
}

export async function problemOf(response) {
  let body = {};
  try {
    body = await response.json();
  } catch {
    body = { title: response.statusText };
  }
  return new Problem(response.status, body);
}

export async function get(path) {
  const response = await fetch(path, { headers: headers({ Accept: "application/json" }), cache: "no-store" });
  if (!response.ok) throw await problemOf(response);
  return response.json();
}

async function send(method, path, body) {
  const init = { method, headers: headers(body === undefined ? {} : { "Content-Type": "application/json" }) };
  if (body !== undefined) init.body = JSON.stringify(body);
  const response = await fetch(path, init);
  if (!response.ok) throw await problemOf(response);
}

const twoSegments = (id) => id.split("/").map(encodeURIComponent).join("/");

export const setPolicy = (region, policy) => send("PUT", `/api/regions/${encodeURIComponent(region)}/policy`, { policy });
export const setIsacWeight = (region, communicationWeight) => send("PUT", `/api/regions/${encodeURIComponent(region)}/isac`, { communicationWeight });
export const setDemand = (user, demand) => send("PUT", `/api/users/${twoSegments(user)}/demand`, { demand });
export const clearDemand = (user) => send("DELETE", `/api/users/${twoSegments(user)}/demand`);
export const userPath = twoSegments;
