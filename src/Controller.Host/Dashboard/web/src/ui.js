import { key, Problem } from "./api.js";

/** Asks the operator to confirm; resolves true on Confirm. */
export function confirmAction(text) {
  const dialog = document.getElementById("confirm");
  document.getElementById("confirm-text").textContent = text;
  dialog.returnValue = "";
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
    dialog.showModal();
  });
}

/** Asks for the API key (kept in sessionStorage); resolves true when one is set. */
export function askKey() {
  const dialog = document.getElementById("key-dialog");
  const input = document.getElementById("key-input");
  input.value = "";
  dialog.returnValue = "";
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => {
      if (dialog.returnValue === "save" && input.value.trim()) key.set(input.value.trim());
      if (dialog.returnValue === "clear") key.set("");
      input.value = "";
      showKeyState();
      resolve(Boolean(key.get()));
    }, { once: true });
    dialog.showModal();
  });
}

export function showKeyState() {
  const button = document.getElementById("key-button");
  button.textContent = key.get() ? "API key ✓" : "API key";
  button.classList.toggle("set", Boolean(key.get()));
}

/** Shows an API refusal (its problem details) or another failure in the page's error bar; null hides it. */
export function showError(error, what) {
  const bar = document.getElementById("error");
  if (!error) {
    bar.hidden = true;
    bar.replaceChildren();
    return;
  }
  const text = error instanceof Problem ? error.describe() : String(error.message ?? error);
  bar.replaceChildren(`${what ? `${what} refused: ` : ""}${text}`);
  if (error instanceof Problem) {
    bar.dataset.status = String(error.status);
    if (error.status === 401) bar.append(" (set the API key with the button at the top right)");
  } else {
    delete bar.dataset.status;
  }
  bar.hidden = false;
}

/** Runs a change after confirmation, asking for the key first if none is set; shows the API's error if refused. */
export async function mutate(question, what, action, done) {
  if (!(await confirmAction(question))) return false;
  if (!key.get() && !(await askKey())) {
    showError(new Error("no API key: changes need the controller's key"), what);
    return false;
  }
  try {
    await action();
    showError(null);
    done?.();
    return true;
  } catch (error) {
    showError(error, what);
    return false;
  }
}
