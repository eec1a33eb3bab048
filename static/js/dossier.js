/* Dossier form helpers. The pages work without this file; it only saves time:
 * - "Ajouter une ligne" under each repeatable list (partners, actions, indicators, budget);
 * - live budget totals (Dépenses, Recettes, Écart) understanding French amounts ("1 234,50").
 */
(function () {
  "use strict";

  var money = new Intl.NumberFormat("fr-FR", { style: "currency", currency: "EUR" });

  /* "1 234,50" / "1234.50" / "1.234,50 €" → cents (integer), or null when unreadable. */
  function parseAmount(text) {
    var t = String(text || "").replace(/[\s\u00a0\u202f€]/g, "");
    if (t === "") return 0;
    if (t.indexOf(",") !== -1) {
      t = t.replace(/\./g, "").replace(",", ".");
    }
    if (!/^-?\d+(\.\d{1,2})?$/.test(t)) return null;
    return Math.round(parseFloat(t) * 100);
  }

  function formatCents(cents) {
    return money.format(cents / 100);
  }

  // ---------------------------------------------------------------- repeatable rows

  function renumber(row, listName, newIndex) {
    var pattern = new RegExp("^" + listName + "-\\d+-");
    var replacement = listName + "-" + newIndex + "-";
    row.querySelectorAll("[name], [id], [for], [aria-describedby]").forEach(function (el) {
      ["name", "id", "for"].forEach(function (attr) {
        var value = el.getAttribute(attr);
        if (value) el.setAttribute(attr, value.replace(pattern, replacement));
      });
    });
  }

  function clearRow(row) {
    row.querySelectorAll("input, textarea, select").forEach(function (el) {
      if (el.tagName === "SELECT") el.selectedIndex = 0;
      else el.value = "";
      el.removeAttribute("aria-invalid");
      el.removeAttribute("aria-describedby");
      el.classList.remove("fr-input--error", "fr-select--error");
    });
    row.querySelectorAll(".fr-error-text").forEach(function (el) { el.remove(); });
    row.querySelectorAll(".fr-input-group--error, .fr-select-group--error").forEach(function (el) {
      el.classList.remove("fr-input-group--error", "fr-select-group--error");
    });
  }

  function nextIndex(container, listName) {
    var max = -1;
    var pattern = new RegExp("^" + listName + "-(\\d+)-");
    container.querySelectorAll("[name]").forEach(function (el) {
      var m = pattern.exec(el.getAttribute("name"));
      if (m) max = Math.max(max, parseInt(m[1], 10));
    });
    return max + 1;
  }

  function setupRepeatable(container) {
    var listName = container.getAttribute("data-repeatable");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "fr-btn fr-btn--secondary fr-btn--sm fr-btn--icon-left fr-icon-add-line fr-mb-2w";
    button.textContent = "Ajouter une ligne";
    var label = container.getAttribute("data-add-label");
    if (label) {  // "Ajouter une ligne (dépenses)" for screen readers: two such buttons on a page
      var hidden = document.createElement("span");
      hidden.className = "fr-sr-only";
      hidden.textContent = " (" + label + ")";
      button.appendChild(hidden);
    }
    button.addEventListener("click", function () {
      var rows = container.querySelectorAll("[data-row]");
      if (!rows.length) return;
      var row = rows[rows.length - 1].cloneNode(true);
      renumber(row, listName, nextIndex(container, listName));
      clearRow(row);
      var number = rows.length + 1;
      row.querySelectorAll("[data-row-number]").forEach(function (el) { el.textContent = number; });
      rows[rows.length - 1].parentNode.appendChild(row);
      var first = row.querySelector("input, select, textarea");
      if (first) first.focus();
      updateTotals();
    });
    var table = container.closest("table");
    var anchor = table ? (container.closest(".fr-table") || table) : container;
    anchor.parentNode.insertBefore(button, anchor.nextSibling);
  }

  // ---------------------------------------------------------------- budget totals

  var budgetForm = document.querySelector("form[data-budget]");

  function sum(kind) {
    var total = 0;
    budgetForm.querySelectorAll('input[data-amount="' + kind + '"]').forEach(function (input) {
      var cents = parseAmount(input.value);
      if (cents !== null) total += cents;
    });
    return total;
  }

  function setAll(name, text, className) {
    budgetForm.querySelectorAll('[data-total="' + name + '"]').forEach(function (el) {
      el.textContent = text;
      if (className !== undefined) el.className = className;
    });
  }

  /* The notice above lists what blocked the budget as saved; once amounts are typed, the live
   * totals speak instead (they are checked again when the step is saved). */
  function hideSavedBudgetBlockers() {
    var notice = document.querySelector("[data-blockers]");
    if (!notice) return;
    notice.querySelectorAll('[data-blocker="expenses"], [data-blocker="resources"]').forEach(
      function (item) { item.hidden = true; }
    );
    if (!notice.querySelector("li:not([hidden])")) notice.hidden = true;
  }

  function updateTotals() {
    if (!budgetForm) return;
    var expenses = sum("expenses");
    var resources = sum("resources");
    var diff = resources - expenses;
    setAll("expenses", formatCents(expenses));
    setAll("resources", formatCents(resources));
    if (expenses === 0 && resources === 0) {
      setAll("difference", "Budget vide : ajoutez au moins une dépense", "portal-total--unbalanced");
    } else if (diff === 0) {
      setAll("difference", "Budget équilibré", "portal-total--balanced");
    } else {
      setAll("difference", "Écart : " + formatCents(Math.abs(diff)) + " (" +
        (diff > 0 ? "les recettes dépassent les dépenses" : "les dépenses dépassent les recettes") + ")",
        "portal-total--unbalanced");
    }
  }

  document.querySelectorAll("[data-repeatable]").forEach(setupRepeatable);
  if (budgetForm) {
    budgetForm.addEventListener("input", function (event) {
      if (!event.target.matches("input[data-amount]")) return;
      updateTotals();
      hideSavedBudgetBlockers();
    });
    updateTotals();
  }
})();
