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
// The menu button shows and hides the main menu on narrow screens; without JavaScript the menu stays open.
(function () {
  document.documentElement.classList.add("js");
  document.addEventListener("DOMContentLoaded", function () {
    const toggle = document.querySelector(".menu-toggle");
    const menu = toggle && document.getElementById(toggle.getAttribute("aria-controls"));
    if (!menu) { return; }
    toggle.addEventListener("click", function () {
      const open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
      menu.classList.toggle("open", open);
    });
  });
})();
// A table that scrolls sideways inside its card can be reached and scrolled with the keyboard.
(function () {
  function mark() {
    document.querySelectorAll("table.list, .table-scroll").forEach(function (el) {
      if (el.scrollWidth > el.clientWidth + 1) {
        if (!el.hasAttribute("tabindex")) { el.setAttribute("tabindex", "0"); el.dataset.scrollFocus = "1"; }
      } else if (el.dataset.scrollFocus) {
        el.removeAttribute("tabindex"); delete el.dataset.scrollFocus;
      }
    });
  }
  document.addEventListener("DOMContentLoaded", mark);
  document.addEventListener("htmx:afterSwap", mark);
  window.addEventListener("resize", mark);
})();
// A checkbox list with a filter box (services on the declare form): typing hides the options that do not match.
(function () {
  function setUp(picker) {
    const input = picker.querySelector("[data-picker-filter]");
    const options = Array.from(picker.querySelectorAll("[data-picker-options] label"));
    const none = picker.querySelector("[data-picker-none]");
    if (!input || options.length < 2) { return; }
    input.hidden = false;
    input.addEventListener("input", function () {
      const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      let shown = 0;
      options.forEach(function (label) {
        const text = label.textContent.toLowerCase();
        const match = words.every(function (w) { return text.indexOf(w) !== -1; });
        label.hidden = !match;
        if (match) { shown += 1; }
      });
      if (none) { none.hidden = shown > 0; }
    });
    // Enter in the filter box must not submit the form.
    input.addEventListener("keydown", function (event) { if (event.key === "Enter") { event.preventDefault(); } });
  }
  document.addEventListener("DOMContentLoaded", function () { document.querySelectorAll("[data-picker]").forEach(setUp); });
})();
// A filter box for a long <select> (the time-zone picker): typing hides the options that do not match
// and selects the first one that does.
(function () {
  function setUp(input) {
    const select = document.getElementById(input.getAttribute("data-select-filter"));
    if (!select) { return; }
    const label = input.labels && input.labels[0];
    input.hidden = false;
    if (label) { label.hidden = false; }
    input.addEventListener("input", function () {
      const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      let first = null;
      Array.from(select.options).forEach(function (option) {
        const text = (option.textContent + " " + option.value).toLowerCase().replace(/_/g, " ");
        const match = words.every(function (w) { return text.indexOf(w) !== -1; });
        option.hidden = !match;
        if (match && first === null) { first = option; }
      });
      Array.from(select.querySelectorAll("optgroup")).forEach(function (group) {
        group.hidden = !Array.from(group.children).some(function (option) { return !option.hidden; });
      });
      if (first && words.length) { first.selected = true; }
    });
    input.addEventListener("keydown", function (event) { if (event.key === "Enter") { event.preventDefault(); } });
  }
  document.addEventListener("DOMContentLoaded", function () { document.querySelectorAll("[data-select-filter]").forEach(setUp); });
})();
