// Follows work that runs in the background (a centre's bulk run, an organisation's bulk
// verification). The page works without this script: it says so and offers a link that reloads
// it. With it, while the page's element marked `data-follow` is there, the page is fetched again
// every two seconds and its `data-progress` part replaced in place (a polite live region, so a
// screen reader hears the progress); once the work has ended the whole element is replaced by
// the new one, with the report.
(function () {
  "use strict";
  var card = document.querySelector("[data-follow]");
  if (!card || !card.id || !window.fetch || !window.DOMParser) {
    return;
  }
  var url = card.getAttribute("data-follow");
  function tick() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (res) {
        if (!res.ok) {
          throw new Error(String(res.status));
        }
        return res.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById(card.id);
        if (!fresh) {
          return;
        }
        if (fresh.hasAttribute("data-follow")) {
          var now = card.querySelector("[data-progress]");
          var next = fresh.querySelector("[data-progress]");
          if (now && next) {
            now.innerHTML = next.innerHTML;
          }
          window.setTimeout(tick, 2000);
        } else {
          card.replaceWith(document.importNode(fresh, true));
        }
      })
      .catch(function () {
        window.setTimeout(tick, 5000);
      });
  }
  window.setTimeout(tick, 2000);
})();
