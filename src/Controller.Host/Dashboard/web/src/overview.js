import { el, int, ms, num, regionLink, stat } from "./format.js";

/** The overview: the control plane's figures and one row per region, refreshed by every tick. */
export function overview(view) {
  const stats = {
    regions: stat("regions", "regions"),
    users: stat("users", "users"),
    loops: stat("loops", "loops"),
    p50: stat("loop-p50", "loop p50"),
    p99: stat("loop-p99", "loop p99"),
    overruns: stat("overruns", "overruns"),
    mean: stat("mean-rate", "mean rate (bps/Hz)"),
    p5: stat("p5-rate", "5th percentile rate"),
    violations: stat("violations", "demand violations"),
    ran: stat("ran", "RAN"),
  };
  const body = el("tbody");
  const table = el("table", { class: "regions", id: "regions" },
    el("thead", {}, el("tr", {},
      ["region", "scenario", "policy", "loop p50", "loop p99", "overruns", "completed", "telemetry rejected", "RAN unavailable", "decision rejected", "held", "failed", "last outcome", "mean rate", "5th pct", "violations"].map((h) => el("th", {}, h)))),
    body);
  view.replaceChildren(
    el("h1", {}, "Overview"),
    el("section", { class: "stats" }, Object.values(stats).map((s) => s.node)),
    el("p", { class: "policies", id: "policies" }),
    table,
  );
  const rows = new Map();
  return {
    tick(t) {
      const o = t.overview;
      stats.regions.value.textContent = int(o.regions);
      stats.users.value.textContent = int(o.users);
      stats.loops.value.textContent = int(o.loops);
      stats.p50.value.textContent = ms(o.loopP50Ms);
      stats.p99.value.textContent = ms(o.loopP99Ms);
      stats.overruns.value.textContent = int(o.overruns);
      stats.mean.value.textContent = num(o.meanRate);
      stats.p5.value.textContent = num(o.fifthPercentileRate);
      stats.violations.value.textContent = `${int(o.violations)} of ${int(o.usersWithDemand)}`;
      stats.ran.value.textContent = t.ran.state + (t.ran.unavailableRegions.length ? ` (${t.ran.unavailableRegions.join(", ")})` : "");
      stats.ran.value.className = `value ran-${t.ran.state}`;
      document.getElementById("policies").textContent = "policies: " + Object.entries(o.policies).map(([p, n]) => `${p} × ${n}`).join(", ");
      for (const r of t.regions) {
        let row = rows.get(r.regionId);
        if (!row) {
          row = el("tr", { dataset: { region: r.regionId } });
          rows.set(r.regionId, row);
          body.append(row);
        }
        const policy = r.pendingPolicy ? `${r.policy} → ${r.pendingPolicy}` : r.policy;
        const cells = [regionLink(r.regionId), r.scenario, policy, ms(r.loopP50Ms), ms(r.loopP99Ms), int(r.overruns),
          int(r.outcomes.completed), int(r.outcomes.telemetryRejected), int(r.outcomes.ranUnavailable), int(r.outcomes.decisionRejected),
          int(r.outcomes.held), int(r.outcomes.failed), r.lastOutcome + (r.lastReason ? `: ${r.lastReason}` : ""), num(r.meanRate), num(r.fifthPercentileRate), `${r.violations} / ${r.users}`];
        const names = ["region", "scenario", "policy", "p50", "p99", "overruns", "completed", "telemetry-rejected", "ran-unavailable", "decision-rejected", "held", "failed", "outcome", "mean", "p5", "violations"];
        row.replaceChildren(...cells.map((c, i) => el("td", { dataset: { col: names[i] } }, c)));
      }
    },
    destroy() {},
  };
}
