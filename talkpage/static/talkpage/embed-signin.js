// The embed's sign-in popup: hand the token to the page that opened us,
// addressed to its exact origin (checked on the server), then close.
(function () {
  "use strict";
  var handoff = document.getElementById("talkpage-handoff");
  if (!handoff || !window.opener) return;
  window.opener.postMessage(
    {
      type: "talkpage:signed-in",
      token: handoff.getAttribute("data-token"),
      username: handoff.getAttribute("data-username"),
    },
    handoff.getAttribute("data-origin")
  );
  window.close();
})();
