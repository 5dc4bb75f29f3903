import { get, setIsacWeight, setPolicy } from "./api.js";
import { histogram, timeSeries } from "./charts.js";
import { el, int, ms, num, stat, userLink } from "./format.js";
import { regionMap } from "./map.js";
import { mutate, showError } from "./ui.js";

const latencyValues = (p) => [p.loopP50Ms, p.loopP99Ms, p.loopMaxMs];
const rateValues = (p) => [p.meanRate, p.fifthPercentileRate];

/** A region: rates, violations, latency and rate over time, cells' last decisions, a map, and the policy switch. */
export function region(view, regionId) {
  const stats = {
    policy: stat("policy", "policy"),
    mean: stat("mean-rate", "mean rate (bps/Hz)"),
    p5: stat("p5-rate", "5th percentile rate"),
    violations: stat("violations", "demand violations"),
    p50: stat("loop-p50", "loop p50"),
    p99: stat("loop-p99", "loop p99"),
    loops: stat("loops", "loops completed"),
  };
  const policySelect = el("select", { id: "policy-select", "aria-label": "policy" });
  const policyCustom = el("input", { id: "policy-custom", list: "policy-templates", placeholder: "or type a name, e.g. alcor(wmmse)", size: 32 });
  const templates = el("datalist", { id: "policy-templates" });
  const switchButton = el("button", { id: "policy-switch", type: "button" }, "Switch policy");
  const histogramBox = el("div", { class: "panel" }, el("h2", {}, "Rate distribution (users' rate averages)"));
  const latencyBox = el("div", { class: "panel chart", id: "latency-chart" });
  const ratesBox = el("div", { class: "panel chart", id: "rates-chart" });
  const cellsBody = el("tbody");
  const usersBody = el("tbody");
  const mapBox = el("div", { class: "panel", id: "map" }, el("h2", {}, "Map"));
  // ISAC regions only (the isac scenario): the operator's trade-off and what the last design measured.
  const isacStats = {
    weight: stat("isac-weight", "communication weight"),
    crlb: stat("isac-crlb", "CRLB (m², target positions)"),
    wsr: stat("isac-wsr", "WSR at the estimates (bps/Hz)"),
    trueWsr: stat("isac-true-wsr", "WSR, true channel (bps/Hz)"),
    warm: stat("isac-warm-starts", "warm starts"),
    iterations: stat("isac-iterations", "solver iterations per loop (budget)"),
  };
  const weightInput = el("input", { id: "isac-weight-input", type: "number", min: 0, max: 1, step: 0.05, placeholder: "0 … 1", title: "0 = sensing only, 1 = communication only", size: 8 });
  const weightButton = el("button", { id: "isac-weight-set", type: "button" }, "Set trade-off");
  const isacBox = el("section", { class: "panel", id: "isac", hidden: true },
    el("h2", {}, "ISAC: sensing and communication trade-off"),
    el("section", { class: "stats" }, Object.values(isacStats).map((s) => s.node)),
    el("section", { class: "actions" }, el("label", {}, "Communication weight ", weightInput), weightButton));
  view.replaceChildren(
    el("h1", {}, `Region ${regionId}`),
    el("section", { class: "stats" }, Object.values(stats).map((s) => s.node)),
    el("section", { class: "actions" }, el("label", {}, "Switch to ", policySelect), policyCustom, templates, switchButton),
    isacBox,
    el("section", { class: "grid" }, histogramBox, mapBox, latencyBox, ratesBox),
    el("h2", {}, "Cells and their last decision"),
    el("table", { id: "cells" }, el("thead", {}, el("tr", {}, ["cell", "users", "power", "served user", "policy", "slot", "decisions"].map((h) => el("th", {}, h)))), cellsBody),
    el("h2", {}, "Users"),
    el("table", { id: "users" }, el("thead", {}, el("tr", {}, ["user", "rate average", "demand", "violated"].map((h) => el("th", {}, h)))), usersBody),
  );
  const rates = histogram(histogramBox);
  const latency = timeSeries(latencyBox, "Loop latency (ms, per 1 s sample)", [{ label: "p50", unit: "ms" }, { label: "p99", unit: "ms" }, { label: "max", unit: "ms" }]);
  const rateChart = timeSeries(ratesBox, "Rates (bps/Hz)", [{ label: "mean" }, { label: "5th percentile" }]);
  let map = null;
  let current = null;

  const addPoints = (points) => {
    latency.add(points.map((p) => ({ time: Date.parse(p.time), values: latencyValues(p) })));
    rateChart.add(points.map((p) => ({ time: Date.parse(p.time), values: rateValues(p) })));
  };

  get(`/api/regions/${regionId}/history`).then((h) => addPoints(h.points)).catch((e) => showError(e));
  get(`/api/regions/${regionId}/geometry`).then((g) => {
    if (g.hasGeometry) map = regionMap(mapBox, g);
    else mapBox.append(el("p", { class: "muted" }, "This region's scenario has no geometry."));
  }).catch((e) => showError(e));
  get("/api/policies").then((policies) => {
    for (const kind of ["baseline", "isac", "learned", "registry"]) {
      const names = policies.filter((p) => p.kind === kind && !p.template);
      if (names.length === 0) continue;
      policySelect.append(el("optgroup", { label: kind }, names.map((p) => el("option", { value: p.name, title: p.description }, p.name))));
    }
    templates.append(...policies.filter((p) => p.template).map((p) => el("option", { value: p.name }, p.description)));
  }).catch((e) => showError(e));

  switchButton.addEventListener("click", () => {
    const policy = policyCustom.value.trim() || policySelect.value;
    mutate(`Switch region ${regionId} from ${current ?? "its policy"} to ${policy}? It takes effect from the next loop.`, "Policy switch",
      () => setPolicy(regionId, policy), () => { policyCustom.value = ""; });
  });

  weightButton.addEventListener("click", () => {
    // The API checks the number; an empty or malformed field is sent as it is so that its refusal shows here.
    const text = weightInput.value.trim();
    const weight = text === "" ? Number.NaN : Number(text);
    mutate(`Set region ${regionId}'s communication weight to ${text || "(empty)"}? It takes effect from the next loop.`, "Trade-off",
      () => setIsacWeight(regionId, Number.isFinite(weight) ? weight : text), () => { weightInput.value = ""; });
  });

  return {
    stream: `/api/dashboard/events?region=${encodeURIComponent(regionId)}`,
    tick(t) {
      const row = t.regions.find((r) => r.regionId === regionId);
      const d = t.region;
      if (!row || !d) return;
      current = row.policy;
      stats.policy.value.textContent = row.pendingPolicy ? `${row.policy} → ${row.pendingPolicy}` : row.policy;
      stats.mean.value.textContent = num(row.meanRate);
      stats.p5.value.textContent = num(row.fifthPercentileRate);
      stats.violations.value.textContent = `${row.violations} of ${row.users}`;
      stats.p50.value.textContent = ms(row.loopP50Ms);
      stats.p99.value.textContent = ms(row.loopP99Ms);
      stats.loops.value.textContent = int(row.outcomes.completed);
      rates.draw(d.rateAverages, row.meanRate, row.fifthPercentileRate);
      if (d.latest) addPoints([d.latest]);
      const unit = d.powerUnit ? ` ${d.powerUnit}` : "";
      cellsBody.replaceChildren(...d.cells.map((c) => el("tr", { dataset: { cell: c.cellId } },
        el("td", {}, c.cellId), el("td", {}, c.users), el("td", {}, c.power === null ? "–" : `${num(c.power, 3)}${unit}`),
        el("td", {}, userLink(c.servedUser)), el("td", {}, c.policy ?? "–"), el("td", {}, c.slot ?? "–"), el("td", {}, int(c.decisions)))));
      usersBody.replaceChildren(...d.userIds.map((id, i) => {
        const rate = d.rateAverages[i];
        const demand = d.demands[i];
        const violated = demand > 0 && rate !== null && rate < demand;
        return el("tr", { dataset: { user: id }, class: violated ? "violated" : null },
          el("td", {}, userLink(id)), el("td", {}, num(rate)), el("td", {}, num(demand)), el("td", {}, violated ? "yes" : ""));
      }));
      map?.update(d.cells, d.maxPower);
      const isac = row.isac;
      isacBox.hidden = !isac;
      if (isac) {
        isacStats.weight.value.textContent = num(isac.communicationWeight, 2);
        isacStats.crlb.value.textContent = isac.crlb === null ? "–" : Number(isac.crlb).toPrecision(4);
        isacStats.wsr.value.textContent = num(isac.nominalWsr);
        isacStats.trueWsr.value.textContent = num(isac.trueWsr);
        isacStats.warm.value.textContent = int(isac.warmStarts);
        // The budget of the last loop: fixed by the policy's name, or picked to fit the period ("adaptive").
        isacStats.iterations.value.textContent = isac.iterationBudget > 0
          ? `${int(isac.iterationBudget)}${isac.adaptiveBudget ? " adaptive" : ""}${isac.solveMs == null ? "" : `, ${num(isac.solveMs, 1)} ms`}`
          : "–";
        map?.targets(isac.targets);
      }
    },
    destroy() {
      latency.destroy();
      rateChart.destroy();
    },
  };
}
