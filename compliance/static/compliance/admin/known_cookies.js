"use strict";
// Offers what the Open Cookie Database knows about the name being typed, to accept in one click.
(function () {
  const box = document.getElementById("known-cookie-suggestions");
  const nameInput = document.getElementById("id_name");
  if (!box || !nameInput) {
    return;
  }
  let timer = null;

  function setValue(id, value) {
    const field = document.getElementById(id);
    if (!field) {
      return;
    }
    if (field.type === "checkbox") {
      field.checked = Boolean(value);
    } else {
      field.value = value === null || value === undefined ? "" : value;
    }
    field.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function apply(suggestion, status) {
    setValue("id_description_en", suggestion.description);
    setValue("id_category", suggestion.category);
    setValue("id_consent_required", suggestion.category !== "necessary");
    setValue("id_retention_kind", suggestion.retention.kind);
    setValue("id_retention_value", suggestion.retention.value);
    setValue("id_retention_unit", suggestion.retention.unit);
    setValue("id_retention_note_en", suggestion.retention.note);
    setValue("id_retention_needs_review", suggestion.retention.needs_review);
    if (suggestion.provider_id) {
      // The provider field is an autocomplete (select2) widget: add the option and select it.
      const select = window.django.jQuery("#id_provider");
      select.append(new Option(suggestion.provider, suggestion.provider_id, true, true));
      select.trigger("change");
      setValue("id_third_party_access", true);
    }
    status.textContent = box.dataset.applied;
  }

  function render(suggestions) {
    box.replaceChildren();
    if (!suggestions.length) {
      box.hidden = true;
      return;
    }
    box.hidden = false;
    const heading = document.createElement("p");
    heading.className = "known-cookie-heading";
    heading.textContent = box.dataset.heading;
    box.append(heading);
    for (const suggestion of suggestions) {
      const item = document.createElement("div");
      item.className = "known-cookie";
      const text = document.createElement("span");
      const parts = [
        suggestion.name + (suggestion.wildcard ? "…" : ""),
        suggestion.platform,
        suggestion.category_label,
        suggestion.retention.display,
        suggestion.provider,
      ].filter(Boolean);
      text.textContent = parts.join(" · ");
      const description = document.createElement("div");
      description.className = "help";
      description.textContent = suggestion.description;
      const button = document.createElement("button");
      button.type = "button";
      button.className = "button known-cookie-apply";
      button.textContent = box.dataset.use;
      const status = document.createElement("span");
      status.className = "known-cookie-status";
      status.setAttribute("role", "status");
      button.addEventListener("click", () => apply(suggestion, status));
      item.append(text, " ", button, " ", status, description);
      box.append(item);
    }
  }

  function lookup() {
    const name = nameInput.value.trim();
    if (!name) {
      render([]);
      return;
    }
    fetch(box.dataset.url + "?name=" + encodeURIComponent(name), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then((response) => (response.ok ? response.json() : { suggestions: [] }))
      .then((data) => render(data.suggestions))
      .catch(() => render([]));
  }

  nameInput.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(lookup, 300);
  });
  lookup();
})();
