// The Mini App's login: Telegram puts its signed init data in the page's fragment
// (tgWebAppData); the server checks it and answers with a session cookie.
(function () {
  var me = document.currentScript;
  var base = me.dataset.base;
  var fragment = new URLSearchParams(location.hash.slice(1));
  var initData = (window.Telegram && Telegram.WebApp && Telegram.WebApp.initData) ||
    fragment.get("tgWebAppData") || "";
  var body = new URLSearchParams();
  body.set("init_data", initData);
  body.set("chat", new URLSearchParams(location.search).get("chat") || "");
  fetch(base + "/app/login", { method: "POST", body: body, credentials: "same-origin" })
    .then(function (answer) { return answer.ok ? answer.json() : Promise.reject(answer.status); })
    .then(function (found) { location.replace(found.next); })
    .catch(function () { document.getElementById("status").textContent = me.dataset.failed; });
})();
