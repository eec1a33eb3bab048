/* Small helpers on every page. Each page works without this file.
 * - A table wider than its box scrolls inside it: that box becomes a keyboard stop (tabindex,
 *   a named region), so keyboard users can scroll it too (WCAG 2.1.1).
 * - A button with data-portal-confirm="<modal id>" opens that DSFR confirmation modal instead of
 *   submitting; the modal's own button submits the form with its confirmation field. Without
 *   JavaScript the button submits and the server answers with the confirmation page.
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

  document.addEventListener("click", openConfirm);
  window.addEventListener("resize", later);
  window.addEventListener("load", markScrollers);
  if (document.readyState !== "loading") markScrollers();
  else document.addEventListener("DOMContentLoaded", markScrollers);
})();
