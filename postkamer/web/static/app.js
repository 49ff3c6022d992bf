// Small progressive enhancements; every form works without this file.
"use strict";
document.documentElement.classList.add("js");
document.addEventListener("change", (event) => {
  const el = event.target;
  if (el instanceof HTMLSelectElement && el.hasAttribute("data-autosubmit") && el.form) {
    el.form.requestSubmit();
  }
});
// Do not send a form twice when a person double-clicks its button.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || form.method.toLowerCase() !== "post") return;
  if (form.dataset.sent === "1") {
    event.preventDefault();
    return;
  }
  form.dataset.sent = "1";
  for (const button of form.querySelectorAll("button[type=submit]")) {
    button.setAttribute("aria-disabled", "true");
  }
});
// Routing config problems: a click on "line N" also puts the cursor on that line of the editor.
document.addEventListener("click", (event) => {
  const link = event.target instanceof Element ? event.target.closest("a[data-line]") : null;
  const editor = document.getElementById("config-text");
  if (!link || !(editor instanceof HTMLTextAreaElement)) return;
  event.preventDefault();
  const line = Number(link.getAttribute("data-line"));
  const lines = editor.value.split("\n");
  let start = 0;
  for (let i = 0; i < line - 1 && i < lines.length; i++) start += lines[i].length + 1;
  const end = start + (lines[line - 1] || "").length;
  editor.focus();
  editor.setSelectionRange(start, end);
  const lineHeight = editor.scrollHeight / Math.max(lines.length, 1);
  editor.scrollTop = Math.max(0, (line - 5) * lineHeight);
});

// Keyboard shortcuts: j/k move through a ticket list, o or Enter opens the selected ticket,
// r and n go to the reply and note fields, / to the search field, ? shows the help. Keys typed
// into a field, or with Ctrl/Alt/Meta, are left alone; Escape leaves a field or the help.
(() => {
  const help = document.getElementById("kb-help");
  if (!help) return; // not logged in
  let returnTo = null;
  const typing = (el) =>
    el instanceof HTMLElement &&
    (el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName));
  const showHelp = (show) => {
    if (show) {
      returnTo = document.activeElement;
      help.hidden = false;
      help.querySelector("[data-kb-close]").focus();
    } else {
      help.hidden = true;
      if (returnTo instanceof HTMLElement) returnTo.focus();
    }
  };
  help.addEventListener("click", (event) => {
    if (event.target === help || (event.target instanceof Element && event.target.closest("[data-kb-close]"))) showHelp(false);
  });
  for (const opener of document.querySelectorAll("[data-kb-help]")) {
    opener.addEventListener("click", () => showHelp(true));
  }

  const rows = () => Array.from(document.querySelectorAll("table.tickets tbody tr"));
  let current = -1;
  const select = (index) => {
    const list = rows();
    if (!list.length) return false;
    current = Math.max(0, Math.min(list.length - 1, index));
    list.forEach((row, i) => row.classList.toggle("kb-current", i === current));
    const link = list[current].querySelector("a[href]");
    if (link) link.focus(); // screen readers announce the ticket; Enter opens it natively
    list[current].scrollIntoView({ block: "nearest" });
    return true;
  };
  document.addEventListener("focusin", (event) => {
    const row = event.target instanceof Element ? event.target.closest("table.tickets tbody tr") : null;
    if (row) {
      current = rows().indexOf(row);
      rows().forEach((r) => r.classList.toggle("kb-current", r === row));
    }
  });
  const focusField = (selector) => {
    const field = document.querySelector(selector);
    if (!(field instanceof HTMLElement)) return false;
    field.scrollIntoView({ block: "center" });
    field.focus();
    return true;
  };

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
    if (!help.hidden) {
      if (event.key === "Escape" || event.key === "?") {
        event.preventDefault();
        showHelp(false);
      }
      return;
    }
    const target = event.target;
    if (typing(target)) {
      if (event.key === "Escape" && target instanceof HTMLElement) target.blur();
      return;
    }
    let handled = false;
    switch (event.key) {
      case "j":
        handled = select(current + 1);
        break;
      case "k":
        handled = select(current < 0 ? 0 : current - 1);
        break;
      case "o":
      case "Enter": {
        if (event.key === "Enter" && target instanceof Element && target.closest("a, button, summary")) return;
        const row = rows()[current];
        const link = row ? row.querySelector("a[href]") : null;
        if (link) {
          window.location.assign(link.href);
          handled = true;
        }
        break;
      }
      case "r":
        handled = focusField("#reply-text");
        break;
      case "n":
        handled = focusField("#note-text");
        break;
      case "/":
        handled = focusField("main input[type=search]");
        break;
      case "?":
        showHelp(true);
        handled = true;
        break;
    }
    if (handled) event.preventDefault();
  });
})();

// Presence: every few seconds the ticket page says "I am here" (or "writing a reply") and shows
// who else is on the ticket, and whether something was added since the page was loaded.
(() => {
  const box = document.getElementById("presence");
  if (!box) return;
  const seen = Number(box.dataset.seen || 0);
  const every = Number(box.dataset.interval || 10000);
  const reply = document.getElementById("reply-text");
  const replying = () =>
    reply instanceof HTMLTextAreaElement && (document.activeElement === reply || reply.value.trim() !== "");
  const line = (text, extra) => {
    const p = document.createElement("p");
    p.className = "alert warn " + extra;
    p.textContent = text;
    return p;
  };
  let busy = false;
  const poll = async () => {
    if (busy) return;
    busy = true;
    try {
      const response = await fetch("/api/tickets/" + encodeURIComponent(box.dataset.ref) + "/presence", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": box.dataset.csrf },
        body: JSON.stringify({ activity: replying() ? "replying" : "viewing" }),
      });
      if (!response.ok) return;
      const data = await response.json();
      const lines = data.others.map((o) =>
        line((o.activity === "replying" ? box.dataset.replying : box.dataset.viewing).replace("{who}", o.email), "presence-entry"),
      );
      if (data.latest_message_id > seen) lines.push(line(box.dataset.new, "presence-new"));
      box.replaceChildren(...lines);
    } catch (error) {
      // offline or the server restarts: the next round tries again
    } finally {
      busy = false;
    }
  };
  if (reply) reply.addEventListener("focus", poll);
  window.setInterval(poll, every);
})();
