// Marks the language tab of each translation to review (translation_review.py). The admin
// outlines the field itself; modeltranslation builds the tabs in its own script, on page
// ready, so this runs on load, after it.
window.addEventListener("load", function () {
  document.querySelectorAll(".translation-to-review[id]").forEach(function (field) {
    var tab = document.querySelector('a[href="#tab_' + field.id + '"]');
    if (!tab) {
      return;
    }
    tab.classList.add("translation-to-review-tab");
    var label = field.getAttribute("data-review-label") || "";
    tab.setAttribute("title", (tab.getAttribute("title") || "") + " (" + label + ")");
    tab.append(" •");
  });
});
