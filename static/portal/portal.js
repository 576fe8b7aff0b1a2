// Live countdowns for deadlines. The server renders the text too, so pages work without JavaScript.
(function () {
  function format(ms) {
    const overdue = ms < 0;
    let s = Math.abs(Math.floor(ms / 1000));
    const d = Math.floor(s / 86400); s -= d * 86400;
    const h = Math.floor(s / 3600); s -= h * 3600;
    const m = Math.floor(s / 60);
    const text = (d ? d + "d " : "") + h + "h " + String(m).padStart(2, "0") + "m";
    return overdue ? "overdue by " + text : "in " + text;
  }
  function tick() {
    const now = Date.now();
    document.querySelectorAll("[data-due]").forEach(function (el) {
      const due = Date.parse(el.getAttribute("data-due"));
      if (!isNaN(due)) { el.textContent = format(due - now); }
    });
  }
  document.addEventListener("DOMContentLoaded", function () { tick(); setInterval(tick, 30000); });
  document.addEventListener("htmx:afterSwap", tick);
})();
