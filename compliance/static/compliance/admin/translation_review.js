// Marks the language tab of each translation to review (translation_review.py). The admin
// outlines the field itself. modeltranslation builds the tabs in its own script, at a moment
// that is not ours to know (jQuery's ready handlers run after this page's events), so the
// marking runs whenever the page changes until every such field's tab is marked.
(function () {
  function markTabs() {
    var left = 0;
    document.querySelectorAll(".translation-to-review[id]").forEach(function (field) {
      // The tab's link (accessibility.js takes its href away once jQuery UI has built it).
      var tab = document.querySelector(
        '[aria-controls="tab_' + field.id + '"] > a, a[href="#tab_' + field.id + '"]'
      );
      if (!tab) {
        left += 1;
        return;
      }
      if (tab.classList.contains("translation-to-review-tab")) {
        return;
      }
      tab.classList.add("translation-to-review-tab");
      var label = field.getAttribute("data-review-label") || "";
      tab.setAttribute("title", (tab.getAttribute("title") || "") + " (" + label + ")");
      tab.append(" •");
    });
    return left;
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (markTabs() === 0) {
      return;
    }
    var observer = new MutationObserver(function () {
      if (markTabs() === 0) {
        observer.disconnect();
      }
    });
    observer.observe(document.body, { childList: true, subtree: true });
  });
})();
