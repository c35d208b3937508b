// Accessibility repairs of widgets the admin takes from elsewhere, applied whenever they
// appear (they are built by jQuery plugins at different moments):
// - modeltranslation's language tabs (jQuery UI): each tab (li role=tab) holds a link, a
//   focusable control inside another (axe: nested-interactive). Once jQuery UI has read the
//   link's target, the link needs no href; clicking it still switches the tab, and the keyboard
//   moves between the tabs themselves. jQuery UI would take a tab without a local href for one
//   to load by XHR: such a tab is told local (the panel is in the page).
// - modeltranslation's language switch above the form has no label: it gets the admin's
//   "Language" label.
// - select2 (autocomplete fields) names its combobox but not the text box inside it.
// - unfold's icons are ligatures of the Material Symbols font: their text ("dashboard",
//   "cookie") would be read out as part of each link's name. They are decoration; the
//   changelist's search button, an icon only, is named by its search box.
// - the fields of tabular inlines (a processor's locations, a category's elements) have no
//   label of their own: each is named by its column's header.
"use strict";
(function () {
  function languageLabel() {
    const select = document.getElementById("admin-language");
    return (select && select.getAttribute("aria-label")) || "Language";
  }

  function tabsKeepLocalPanels() {
    for (const jq of [window.jQuery, window.django && window.django.jQuery]) {
      const tabs = jq && jq.ui && jq.ui.tabs;
      if (!tabs || tabs.prototype._localWithoutHref) continue;
      const isLocal = tabs.prototype._isLocal;
      tabs.prototype._isLocal = function (anchor) {
        return !anchor.hasAttribute("href") || isLocal.call(this, anchor);
      };
      tabs.prototype._localWithoutHref = true;
    }
  }

  function repair() {
    tabsKeepLocalPanels();
    for (const icon of document.querySelectorAll(".material-symbols-outlined:not([aria-hidden])")) {
      icon.setAttribute("aria-hidden", "true");
    }
    for (const link of document.querySelectorAll('li[role="tab"] > a[href]')) {
      link.removeAttribute("href");
    }
    for (const field of document.querySelectorAll(
      ".tabular td input:not([type=hidden]):not([aria-label]), .tabular td select:not([aria-label]), .tabular td textarea:not([aria-label])"
    )) {
      if (field.labels && field.labels.length) continue;
      const cell = field.closest("td");
      const table = cell.closest("table");
      const header = table && table.tHead && table.tHead.rows[0] && table.tHead.rows[0].cells[cell.cellIndex];
      const name = header && header.textContent.replace(/\s+/g, " ").trim();
      if (name) field.setAttribute("aria-label", name);
    }
    for (const box of document.querySelectorAll(".select2-search__field:not([aria-label])")) {
      const container = box.closest(".select2");
      const select = container && container.previousElementSibling;
      const label = select && select.id ? document.querySelector(`label[for="${select.id}"]`) : null;
      if (label) box.setAttribute("aria-label", label.textContent.replace(/[:*]/g, "").trim());
    }
    for (const list of document.querySelectorAll("ul.select2-selection__rendered:not([role])")) {
      // select2 puts its search box straight in this list, beside the chosen items.
      list.setAttribute("role", "presentation");
    }
    const search = document.querySelector("#searchbar-submit:not([aria-label])");
    const searchBox = search && search.form && search.form.querySelector('input[type="text"]');
    if (searchBox) {
      search.setAttribute("aria-label", searchBox.getAttribute("aria-label") || searchBox.placeholder);
    }
    for (const select of document.querySelectorAll("select.modeltranslation-switch:not([aria-label])")) {
      select.setAttribute("aria-label", languageLabel());
    }
    for (const box of document.querySelectorAll('.select2-selection__rendered[role="textbox"]:not([aria-label])')) {
      const combobox = box.closest(".select2-selection");
      const labelled = combobox && combobox.closest(".select2") && combobox.closest(".select2").previousElementSibling;
      const label = labelled && labelled.id ? document.querySelector(`label[for="${labelled.id}"]`) : null;
      box.setAttribute("aria-label", label ? label.textContent.replace(/:$/, "").trim() : languageLabel());
    }
  }

  let scheduled = false;
  function schedule() {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      repair();
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    repair();
    new MutationObserver(schedule).observe(document.body, {
      childList: true,
      subtree: true,
      attributes: true,
      attributeFilter: ["role"],
    });
  });
  window.addEventListener("load", repair);
})();
