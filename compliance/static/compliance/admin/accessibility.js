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
"use strict";
(function () {
  function languageLabel() {
    const label = document.querySelector('label[for="admin-language"]');
    return label ? label.textContent.trim() : "Language";
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
    for (const link of document.querySelectorAll('li[role="tab"] > a[href]')) {
      link.removeAttribute("href");
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
