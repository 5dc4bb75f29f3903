import { headers, problemOf } from "./api.js";

const pause = (ms, signal) => new Promise((resolve) => {
  const timer = setTimeout(resolve, ms);
  signal.addEventListener("abort", () => { clearTimeout(timer); resolve(); }, { once: true });
});

/**
 * Follows a server-sent event stream with fetch rather than EventSource, so that the key (when the silo needs one for
 * reads) goes in a header. Reconnects after a loss. Returns a function that stops following.
 */
export function follow(path, onTick, onState) {
  const abort = new AbortController();
  const { signal } = abort;
  (async () => {
    while (!signal.aborted) {
      try {
        const response = await fetch(path, { headers: headers({ Accept: "text/event-stream" }), cache: "no-store", signal });
        if (!response.ok) {
          onState({ live: false, problem: await problemOf(response) });
        } else {
          onState({ live: true });
          const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
          let buffer = "";
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            buffer += value.replaceAll("\r\n", "\n");
            let end;
            while ((end = buffer.indexOf("\n\n")) >= 0) {
              const block = buffer.slice(0, end);
              buffer = buffer.slice(end + 2);
              const data = block.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5).replace(/^ /, "")).join("\n");
              if (data) onTick(JSON.parse(data));
            }
          }
          onState({ live: false });
        }
      } catch (error) {
        if (signal.aborted) return;
        onState({ live: false, error });
      }
      await pause(2000, signal);
    }
  })();
  return () => abort.abort();
}
