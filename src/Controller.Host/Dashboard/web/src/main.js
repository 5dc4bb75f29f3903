import "./style.css";
import { overview } from "./overview.js";
import { region } from "./region.js";
import { follow } from "./stream.js";
import { askKey, showError, showKeyState } from "./ui.js";
import { user } from "./user.js";

const view = document.getElementById("view");
const live = document.getElementById("live");
let page = null;
let stop = null;

/** Hash routes: #/ (overview), #/regions/ID, #/users/REGION/USER. */
function route() {
  stop?.();
  page?.destroy();
  showError(null);
  const path = location.hash.replace(/^#/, "") || "/";
  let match;
  if ((match = path.match(/^\/regions\/([^/]+)$/))) page = region(view, decodeURIComponent(match[1]));
  else if ((match = path.match(/^\/users\/([^/]+\/[^/]+)$/))) page = user(view, decodeURIComponent(match[1]));
  else page = overview(view);
  const current = page;
  stop = follow(page.stream ?? "/api/dashboard/events", (tick) => {
    if (page !== current) return;
    live.dataset.time = tick.time;
    live.textContent = `live ${new Date(tick.time).toLocaleTimeString()}`;
    current.tick(tick);
  }, (state) => {
    live.classList.toggle("on", state.live);
    if (!state.live) live.textContent = "reconnecting";
    if (state.problem) showError(state.problem);
  });
}

document.getElementById("key-button").addEventListener("click", () => askKey());
window.addEventListener("hashchange", route);
showKeyState();
route();
