/* Consent banner loader. Load the banner library first, then this script:
 *   vanilla-cookieconsent v3:
 *     <link rel="stylesheet" href="cookieconsent.css">
 *     <script src="cookieconsent.umd.js"></script>
 *     <script src="https://REGISTER/embed/consent.js" data-library="cookieconsent" defer></script>
 *   Klaro 0.7:
 *     <script src="klaro.js" data-config="none"></script>
 *     <script src="https://REGISTER/embed/consent.js" data-library="klaro" defer></script>
 * It fetches the banner's configuration from the latest release (/api/v1/consent/LIBRARY.json),
 * starts the banner with it, and posts each choice the visitor makes to /api/v1/consent (the
 * proof of consent): the visitor's consent id, the categories and services accepted and
 * refused, the release and content hash of the declaration shown, and the page's language.
 * The page's site must be registered in the register (Scanned sites) for the record to be
 * kept. window.gdprConsent.ready is a promise of {library, config, consentId}.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) { return; }
  var origin = new URL(script.src).origin;
  var library = script.getAttribute("data-library") || "cookieconsent";
  var CONSENT_ID_KEY = "gdpr_consent_id";

  function pageLanguage(translations, fallback) {
    var language = (document.documentElement.lang || "").slice(0, 2).toLowerCase();
    return Object.prototype.hasOwnProperty.call(translations, language) ? language : fallback;
  }

  function randomId() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    var bytes = window.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function post(url, record) {
    // text/plain: a "simple" request, no preflight; no credentials: nothing of ours is sent.
    return fetch(url, {
      method: "POST",
      body: JSON.stringify(record),
      headers: {"Content-Type": "text/plain"},
      credentials: "omit",
      keepalive: true
    });
  }

  function record(config, language, consentId, answers) {
    return post(config.release.record_url, {
      consent_id: consentId,
      accepted: answers.accepted,
      rejected: answers.rejected,
      services_accepted: answers.servicesAccepted || [],
      services_rejected: answers.servicesRejected || [],
      release: config.release.number,
      content_hash: config.release.content_hash,
      language: language
    });
  }

  function runCookieConsent(config) {
    var language = pageLanguage(config.language.translations, config.language["default"]);
    // Names with a placeholder are regular expressions for the library.
    Object.keys(config.categories).forEach(function (code) {
      var clear = config.categories[code].autoClear;
      (clear ? clear.cookies : []).forEach(function (cookie) {
        if (cookie.pattern) { cookie.name = new RegExp(cookie.pattern); delete cookie.pattern; }
      });
    });
    function send() {
      var answers = window.CookieConsent.getUserPreferences();
      var consentId = window.CookieConsent.getCookie("consentId");
      return record(config, language, consentId, {
        accepted: answers.acceptedCategories,
        rejected: answers.rejectedCategories
      });
    }
    config.onFirstConsent = send;
    config.onChange = send;
    return window.CookieConsent.run(config).then(function () {
      return {library: library, config: config, consentId: window.CookieConsent.getCookie("consentId")};
    });
  }

  function runKlaro(config) {
    var language = pageLanguage(config.translations, "en");
    var consentId = window.localStorage.getItem(CONSENT_ID_KEY);
    if (!consentId) {
      consentId = randomId();
      window.localStorage.setItem(CONSENT_ID_KEY, consentId);
    }
    config.lang = language;
    window.klaro.setup(config);
    var manager = window.klaro.getManager(config);
    manager.watch({
      update: function (watched, eventType, data) {
        if (eventType !== "saveConsents") { return; }
        var consents = data.consents;
        var accepted = [], rejected = [], servicesAccepted = [], servicesRejected = [];
        config.services.forEach(function (service) {
          (consents[service.name] || service.required ? servicesAccepted : servicesRejected).push(service.name);
        });
        // A category is accepted when every service serving it is.
        var categories = {};
        config.services.forEach(function (service) {
          var given = Boolean(consents[service.name] || service.required);
          service.purposes.forEach(function (purpose) {
            categories[purpose] = (categories[purpose] === undefined ? true : categories[purpose]) && given;
          });
        });
        Object.keys(categories).forEach(function (purpose) {
          (categories[purpose] || purpose === "necessary" ? accepted : rejected).push(purpose);
        });
        record(config, language, consentId, {
          accepted: accepted, rejected: rejected,
          servicesAccepted: servicesAccepted, servicesRejected: servicesRejected
        });
      }
    });
    return Promise.resolve({library: library, config: config, consentId: consentId});
  }

  // "no-cache": asked again (a 304 when nothing changed) on every page, so that a new release
  // asks the visitor again at once, not when a cached copy expires.
  var configUrl = origin + "/api/v1/consent/" + encodeURIComponent(library) + ".json";
  var ready = fetch(configUrl, {credentials: "omit", cache: "no-cache"})
    .then(function (response) {
      if (!response.ok) { throw new Error("consent configuration: HTTP " + response.status); }
      return response.json();
    })
    .then(function (config) {
      // The library hides itself from robots (and from browsers driven by tests); a site may not.
      if (script.getAttribute("data-hide-from-bots") === "false") { config.hideFromBots = false; }
      return library === "klaro" ? runKlaro(config) : runCookieConsent(config);
    });
  window.gdprConsent = {ready: ready};
})();
