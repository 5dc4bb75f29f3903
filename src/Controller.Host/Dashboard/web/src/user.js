import { clearDemand, get, setDemand, userPath } from "./api.js";
import { timeSeries } from "./charts.js";
import { el, int, link, num, stat } from "./format.js";
import { mutate, showError } from "./ui.js";

/** A user: demand, rate, paper 003's duals, ALCOR's lambda and kappa, DBiNUM's alpha and x, with history; the demand override. */
export function user(view, userId) {
  const regionId = userId.split("/")[0];
  const stats = {
    demand: stat("demand", "demand (bps/Hz)"),
    rate: stat("rate-average", "rate average"),
    lastRate: stat("last-rate", "last rate"),
    lambda: stat("lambda", "lambda"),
    mu: stat("mu", "mu"),
    slack: stat("slack", "slack z"),
    kappa: stat("kappa", "ALCOR kappa"),
    alcorLambda: stat("alcor-lambda", "ALCOR lambda"),
    alpha: stat("alpha", "DBiNUM alpha"),
    x: stat("x", "DBiNUM x"),
    observations: stat("observations", "observations"),
  };
  const demandInput = el("input", { id: "demand-input", type: "text", inputmode: "decimal", placeholder: "bps/Hz", size: 10 });
  const setButton = el("button", { id: "demand-set", type: "button" }, "Set demand");
  const clearButton = el("button", { id: "demand-clear", type: "button" }, "Clear override");
  const ratesBox = el("div", { class: "panel chart" });
  const dualsBox = el("div", { class: "panel chart" });
  view.replaceChildren(
    el("h1", {}, `User ${userId}`),
    el("p", {}, "Region ", link(`#/regions/${regionId}`, regionId), el("span", { id: "serving" })),
    el("section", { class: "stats" }, Object.values(stats).map((s) => s.node)),
    el("section", { class: "actions" }, el("label", {}, "Demand override ", demandInput), setButton, clearButton),
    el("section", { class: "grid" }, ratesBox, dualsBox),
  );
  const rateChart = timeSeries(ratesBox, "Rate average and demand (bps/Hz)", [{ label: "rate average" }, { label: "demand" }]);
  const dualChart = timeSeries(dualsBox, "Duals", [{ label: "mu" }, { label: "slack" }, { label: "ALCOR lambda" }, { label: "kappa" }]);
  const addPoints = (points) => {
    rateChart.add(points.map((p) => ({ time: Date.parse(p.time), values: [p.rateAverage, p.demand] })));
    dualChart.add(points.map((p) => ({ time: Date.parse(p.time), values: [p.mu, p.slack, p.alcorLambda, p.kappa] })));
  };
  get(`/api/users/${userPath(userId)}/history`).then((h) => addPoints(h.points)).catch((e) => showError(e));

  setButton.addEventListener("click", () => {
    const text = demandInput.value.trim();
    // The API judges the value (and says why it refuses it); the page only sends what was typed as a JSON number where it is one.
    const value = text !== "" && Number.isFinite(Number(text)) ? Number(text) : text;
    mutate(`Set the demand of ${userId} to ${text || "(empty)"} bps/Hz? It takes effect from its region's next loop.`, "Demand override",
      () => setDemand(userId, value));
  });
  clearButton.addEventListener("click", () => mutate(`Clear the operator's demand of ${userId}? The RAN's demand applies again.`, "Clearing the demand override",
    () => clearDemand(userId)));

  return {
    stream: `/api/dashboard/events?user=${encodeURIComponent(userId)}`,
    tick(t) {
      const u = t.user;
      if (!u) return;
      const s = u.state;
      document.getElementById("serving").textContent = `, cell ${u.servingCell}`;
      stats.demand.value.textContent = num(s.demand);
      stats.rate.value.textContent = num(s.rateAverage);
      stats.lastRate.value.textContent = num(s.lastRate);
      stats.lambda.value.textContent = num(s.resilient?.lambda);
      stats.mu.value.textContent = num(s.resilient?.mu);
      stats.slack.value.textContent = num(s.resilient?.slack);
      stats.kappa.value.textContent = num(s.alcor?.kappa);
      stats.alcorLambda.value.textContent = num(s.alcor?.lambda);
      stats.alpha.value.textContent = s.dbinum ? num(s.dbinum.alpha) : "– (no DBiNUM run)";
      stats.x.value.textContent = s.dbinum ? num(s.dbinum.rate) : "–";
      stats.observations.value.textContent = int(s.observations);
      if (u.latest) addPoints([u.latest]);
    },
    destroy() {
      rateChart.destroy();
      dualChart.destroy();
    },
  };
}
