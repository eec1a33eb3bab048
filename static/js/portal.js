/* Small helpers on every page. Each page works without this file.
 * - A table wider than its box scrolls inside it: that box becomes a keyboard stop (tabindex,
 *   a named region), so keyboard users can scroll it too (WCAG 2.1.1).
 * - A button with data-portal-confirm="<modal id>" opens that DSFR confirmation modal instead of
 *   submitting; the modal's own button submits the form with its confirmation field. Without
 *   JavaScript the button submits and the server answers with the confirmation page.
 * - The scoring grid shows its weighted total /20 as scores are typed (inputs carrying
 *   data-score-weight/-min/-max): 20 × Σ w(s − min)/(max − min) / Σ w over the criteria with a
 *   score, as review/aggregation.py computes it; the server's total, on saving, is the authority.
 */
(function () {
  "use strict";

  var SCROLLERS = ".fr-table__container, .fr-table > table, .portal-scroll";

  function markScrollers() {
    var boxes = document.querySelectorAll(SCROLLERS);
    for (var i = 0; i < boxes.length; i++) {
      var box = boxes[i];
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        var caption = box.querySelector("caption");
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute(
          "aria-label",
          (caption ? caption.textContent.trim() + " — " : "") + "tableau à faire défiler"
        );
        box.setAttribute("data-portal-scroller", "");
      } else if (!scrolls && box.hasAttribute("data-portal-scroller")) {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
        box.removeAttribute("data-portal-scroller");
      }
    }
  }

  function openConfirm(event) {
    var button = event.target.closest("[data-portal-confirm]");
    if (!button || !window.dsfr) return;
    var modal = document.getElementById(button.getAttribute("data-portal-confirm"));
    if (!modal) return;
    event.preventDefault();
    window.dsfr(modal).modal.disclose();
  }

  var timer = null;
  function later() {
    clearTimeout(timer);
    timer = setTimeout(markScrollers, 100);
  }

  function parseScore(text) {
    var value = String(text || "").trim().replace(",", ".");
    if (!/^\d+(\.\d+)?$/.test(value)) return null;
    return parseFloat(value);
  }

  function liveTotal() {
    var out = document.querySelector("[data-live-total]");
    if (!out) return;
    var inputs = document.querySelectorAll("input[data-score-weight]");
    var sum = 0, weights = 0, invalid = false;
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i];
      var value = parseScore(input.value);
      if (input.value.trim() === "") continue;
      var low = parseFloat(input.getAttribute("data-score-min"));
      var high = parseFloat(input.getAttribute("data-score-max"));
      var weight = parseFloat(input.getAttribute("data-score-weight"));
      if (value === null || value < low || value > high) { invalid = true; continue; }
      sum += weight * (value - low) / (high - low);
      weights += weight;
    }
    var target = out.querySelector("[data-live-total-value]");
    if (invalid) {
      target.textContent = "une note est hors barème ou mal écrite";
    } else if (weights === 0) {
      target.textContent = "aucune note saisie";
    } else {
      target.textContent = (Math.round(2000 * sum / weights) / 100).toFixed(2).replace(".", ",") + " / 20";
    }
    out.hidden = false;
  }

  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("input[data-score-weight]")) liveTotal();
  });
  document.addEventListener("DOMContentLoaded", liveTotal);
  document.addEventListener("click", openConfirm);
  window.addEventListener("resize", later);
  window.addEventListener("load", markScrollers);
  if (document.readyState !== "loading") markScrollers();
  else document.addEventListener("DOMContentLoaded", markScrollers);
})();
