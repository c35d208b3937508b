// The admin's language switcher submits its form when a language is chosen (an external
// script, as the admin's Content-Security-Policy allows no inline event handlers).
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  const select = document.getElementById("admin-language");
  if (select) {
    select.addEventListener("change", function () {
      select.form.submit();
    });
  }
});
