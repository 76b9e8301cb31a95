// MarkWatch console: small progressive enhancements only; every page works without this file.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // Bulk triage: "select all" toggles every alert checkbox of the result list.
  const all = document.getElementById("select-all");
  if (all) {
    all.addEventListener("change", () => {
      document.querySelectorAll("input.pick").forEach((box) => { box.checked = all.checked; });
    });
  }
  // Bulk triage: refuse to submit with nothing selected, and ask before a bulk change.
  const bulk = document.getElementById("bulk-form");
  if (bulk) {
    bulk.addEventListener("submit", (event) => {
      const picked = bulk.querySelectorAll("input.pick:checked").length;
      if (picked === 0) {
        event.preventDefault();
        return;
      }
      const action = document.getElementById("bulk-action");
      const label = action ? action.options[action.selectedIndex].text : "";
      if (!window.confirm(label + " × " + picked + "?")) {
        event.preventDefault();
      }
    });
  }
});
