/* Cookie declaration widget. Include on any page:
 *   <div id="cookie-declaration"></div>
 *   <script src="https://REGISTER/embed/cookies.js" data-target="cookie-declaration"
 *           data-language="pl" async></script>
 * It fetches the published declaration and renders it as tables, text only (no HTML from the
 * register is ever interpreted). Style it with the .gdpr-cookies classes; the defaults are
 * minimal and lose to any rule of the host page.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) { return; }
  var origin = new URL(script.src).origin;
  var language = script.getAttribute("data-language") || document.documentElement.lang || "en";
  language = language.slice(0, 2).toLowerCase();
  var target = document.getElementById(script.getAttribute("data-target") || "cookie-declaration");
  if (!target) { return; }

  var labels = {
    en: ["Name", "Provider", "Purpose", "Retention", "Type", "Consent", "required", "not required", "Release"],
    pl: ["Nazwa", "Dostawca", "Cel", "Czas przechowywania", "Rodzaj", "Zgoda", "wymagana", "niewymagana", "Wydanie"],
    cs: ["Název", "Poskytovatel", "Účel", "Doba uložení", "Typ", "Souhlas", "vyžadován", "nevyžadován", "Vydání"],
    de: ["Name", "Anbieter", "Zweck", "Speicherdauer", "Art", "Einwilligung", "erforderlich", "nicht erforderlich", "Version"]
  };
  var words = labels[language] || labels.en;

  function element(name, className, text) {
    var node = document.createElement(name);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function addStyle() {
    if (document.getElementById("gdpr-cookies-style")) { return; }
    var style = element("style");
    style.id = "gdpr-cookies-style";
    style.textContent =
      ":where(.gdpr-cookies table){border-collapse:collapse;width:100%;margin:0 0 1em}" +
      ":where(.gdpr-cookies th,.gdpr-cookies td){border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top}";
    document.head.appendChild(style);
  }

  function render(data) {
    var root = element("div", "gdpr-cookies");
    data.categories.forEach(function (category) {
      root.appendChild(element("h3", "gdpr-cookies-category", category.label));
      var table = element("table");
      var head = element("tr");
      words.slice(0, 6).forEach(function (word) { head.appendChild(element("th", null, word)); });
      table.appendChild(element("thead")).appendChild(head);
      var body = table.appendChild(element("tbody"));
      category.items.forEach(function (item) {
        var row = element("tr");
        row.appendChild(element("td", "gdpr-cookies-name", item.name));
        row.appendChild(element("td", null, item.provider || ""));
        row.appendChild(element("td", null, [item.purpose, item.description].filter(Boolean).join(" – ")));
        row.appendChild(element("td", null, item.retention));
        row.appendChild(element("td", null, item.type));
        row.appendChild(element("td", null, item.consent_required ? words[6] : words[7]));
        body.appendChild(row);
      });
      root.appendChild(table);
    });
    root.appendChild(element("p", "gdpr-cookies-release", words[8] + " " + data.release + ", " + data.effective_date));
    target.replaceChildren(root);
  }

  addStyle();
  fetch(origin + "/api/v1/" + language + "/cookies.json", { credentials: "omit" })
    .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); })
    .then(render)
    .catch(function () { target.textContent = ""; });
})();
